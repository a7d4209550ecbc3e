using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Preallocated native <c>ibv_recv_wr</c>/<c>ibv_sge</c> arrays of a QP's receive queue or an SRQ (see
/// <see cref="NativeSendChain"/>).
/// </summary>
internal sealed unsafe class NativeRecvChain
{
    /// <summary>WRs per native chain.</summary>
    public const int ChainMax = 64;

    private readonly SafeNativeMemoryHandle _memory;
    private readonly IbvRecvWr* _wrs;
    private readonly IbvSge* _sges;

    public NativeRecvChain(NativeResourceTracker resources, uint maxSge)
    {
        MaxSge = (int)Math.Clamp(maxSge, 1, VerbsLimits.SgeCountMax);
        var bytes = (nuint)(ChainMax * (sizeof(IbvRecvWr) + (MaxSge * sizeof(IbvSge))));
        _memory = resources.Add(SafeNativeMemoryHandle.Allocate(bytes, 64));
        _wrs = (IbvRecvWr*)_memory.Pointer;
        _sges = (IbvSge*)(_wrs + ChainMax);
    }

    public int MaxSge { get; }

    public IbvRecvWr* First => _wrs;

    internal SafeNativeMemoryHandle Memory => _memory;

    /// <summary>As <see cref="NativeSendChain.Fill"/>.</summary>
    public int Fill(ReadOnlySpan<RecvWorkRequest> wrs, out bool invalid)
    {
        invalid = false;
        var n = Math.Min(wrs.Length, ChainMax);
        for (var i = 0; i < n; i++)
        {
            ref readonly var wr = ref wrs[i];
            if (wr.NumSge < 0 || wr.NumSge > MaxSge)
            {
                invalid = true;
                n = i;
                break;
            }

            var sges = _sges + (i * MaxSge);
            for (var j = 0; j < wr.NumSge; j++)
            {
                sges[j] = new IbvSge { Addr = wr.SgList[j].Addr, Length = wr.SgList[j].Length, Lkey = wr.SgList[j].Lkey };
            }

            var w = _wrs + i;
            w->WrId = wr.WrId;
            w->Next = w + 1;
            w->SgList = wr.NumSge > 0 ? sges : null;
            w->NumSge = wr.NumSge;
        }

        if (n > 0)
        {
            _wrs[n - 1].Next = null;
        }

        return n;
    }

    public int IndexOf(IbvRecvWr* bad) => bad == null ? 0 : (int)(bad - _wrs);

    /// <summary>
    /// Posts <paramref name="wrs"/> in chunks of at most <see cref="ChainMax"/> through <paramref name="post"/>
    /// (<c>ops.post_recv</c> with a QP, or <c>ops.post_srq_recv</c> with an SRQ, as <paramref name="target"/>), mapping
    /// the provider's <c>bad_wr</c> (or a WR this chain cannot express) back to an index into <paramref name="wrs"/>.
    /// </summary>
    public int PostChunked(void* target, delegate* unmanaged<void*, IbvRecvWr*, IbvRecvWr**, int> post, ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        badWrIndex = -1;
        for (var offset = 0; offset < wrs.Length;)
        {
            var n = Fill(wrs[offset..], out var invalid);
            if (n > 0)
            {
                IbvRecvWr* bad = null;
                var rc = NativeErrno.Normalize(post(target, First, &bad));
                if (rc != Errno.Ok)
                {
                    badWrIndex = offset + IndexOf(bad);
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
}
