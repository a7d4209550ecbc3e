using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>The data path: <c>qp-&gt;context-&gt;ops.post_send</c> / <c>ops.post_recv</c>, as verbs.h's inline functions.</summary>
public sealed unsafe partial class NativeQp
{
    /// <inheritdoc/>
    public int PostSend(ReadOnlySpan<SendWorkRequest> wrs, out int badWrIndex)
    {
        badWrIndex = -1;
        lock (_sendGate)
        {
            if (!Handle.TryAddRef())
            {
                badWrIndex = 0;
                return Errno.EINVAL;
            }

            try
            {
                var postSend = Native->Context->PostSend;
                for (var offset = 0; offset < wrs.Length;)
                {
                    var n = _send.Fill(wrs[offset..], out var invalid);
                    if (n > 0)
                    {
                        IbvSendWr* bad = null;
                        var rc = NativeErrno.Normalize(postSend(Native, _send.First, &bad));
                        if (rc != Errno.Ok)
                        {
                            badWrIndex = offset + _send.IndexOf(bad);
                            return rc;
                        }
                    }

                    if (invalid)
                    {
                        badWrIndex = offset + n;
                        return Errno.EINVAL;
                    }

                    offset += n;
                }

                return Errno.Ok;
            }
            finally
            {
                Handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        badWrIndex = -1;
        if (_recv == null)
        {
            badWrIndex = 0;
            return wrs.IsEmpty ? Errno.Ok : Errno.EINVAL; // receives of an SRQ-attached QP go to the SRQ
        }

        lock (_recvGate)
        {
            if (!Handle.TryAddRef())
            {
                badWrIndex = 0;
                return Errno.EINVAL;
            }

            try
            {
                return _recv.PostChunked(Native, (delegate* unmanaged<void*, IbvRecvWr*, IbvRecvWr**, int>)Native->Context->PostRecv, wrs, out badWrIndex);
            }
            finally
            {
                Handle.DangerousRelease();
            }
        }
    }
}
