using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// A completion queue (<c>struct ibv_cq</c>). <see cref="Poll"/> calls <c>cq-&gt;context-&gt;ops.poll_cq</c> (what the inline
/// <c>ibv_poll_cq</c> does) into a preallocated native <c>ibv_wc</c> array and copies into the caller's span: no
/// allocation, never blocks.
/// </summary>
public sealed unsafe class NativeCq : ICompletionQueue
{
    /// <summary>Completions fetched per provider call.</summary>
    public const int PollBatchMax = 64;

    private readonly NativeContext _context;
    private readonly SafeIbvCompChannelHandle? _channel;
    private readonly SafeNativeMemoryHandle _wcMemory;
    private readonly IbvWc* _wcs;
    private readonly object _pollGate = new();
    private int _users;

    internal NativeCq(NativeContext context, SafeIbvCqHandle handle, SafeIbvCompChannelHandle? channel, object? cqContext)
    {
        _context = context;
        Handle = handle;
        _channel = channel;
        CqContext = cqContext;
        _wcMemory = context.Resources.Add(SafeNativeMemoryHandle.Allocate((nuint)(PollBatchMax * sizeof(IbvWc)), 64));
        _wcs = (IbvWc*)_wcMemory.Pointer;
    }

    /// <inheritdoc/>
    public object? CqContext { get; }

    /// <summary>Capacity the provider granted (at least the requested number of entries), after any resize.</summary>
    public int Cqe => Native->Cqe;

    /// <summary>True when the CQ has a completion channel.</summary>
    public bool HasCompletionChannel => _channel != null;

    internal SafeIbvCqHandle Handle { get; }

    internal IbvCq* Native => (IbvCq*)Handle.Pointer;

    /// <inheritdoc/>
    public int Poll(Span<WorkCompletion> wcs)
    {
        lock (_pollGate)
        {
            if (!Handle.TryAddRef())
            {
                return -Errno.EINVAL;
            }

            try
            {
                var pollCq = Native->Context->PollCq;
                var total = 0;
                while (total < wcs.Length)
                {
                    var want = Math.Min(wcs.Length - total, PollBatchMax);
                    var n = pollCq(Native, want, _wcs);
                    if (n < 0)
                    {
                        return total > 0 ? total : -Errno.EIO; // ibv_poll_cq(3): "a negative value" without an errno
                    }

                    for (var i = 0; i < n; i++)
                    {
                        VerbsMarshal.FromNative(_wcs[i], out wcs[total + i]);
                    }

                    total += n;
                    if (n < want)
                    {
                        break;
                    }
                }

                return total;
            }
            finally
            {
                Handle.DangerousRelease();
            }
        }
    }

    /// <summary><c>ibv_req_notify_cq</c> (inline in verbs.h: <c>ops.req_notify_cq</c>): arm the completion channel.</summary>
    public int RequestNotify(bool solicitedOnly)
    {
        if (!Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            return NativeErrno.Normalize(Native->Context->ReqNotifyCq(Native, solicitedOnly ? 1 : 0));
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Non-blocking <c>ibv_get_cq_event</c> on this CQ's channel, acked at once (<c>ibv_ack_cq_events</c>): 0 when the
    /// CQ was notified (re-arm with <see cref="RequestNotify"/>, then poll), EAGAIN when not, EINVAL without a channel.
    /// </summary>
    public int TryGetCompletionEvent()
    {
        if (_channel == null || !Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            IbvCq* cq;
            nint context;
            if (LibIbverbs.ibv_get_cq_event((IbvCompChannel*)_channel.Pointer, &cq, &context) != 0)
            {
                return NativeErrno.Last();
            }

            LibIbverbs.ibv_ack_cq_events(cq, 1);
            return Errno.Ok;
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public int Resize(int cqe)
    {
        if (!Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            lock (_pollGate)
            {
                return LibIbverbs.ibv_resize_cq(Native, cqe);
            }
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        if (Volatile.Read(ref _users) > 0)
        {
            return Errno.EBUSY; // as ibv_destroy_cq while a QP uses the CQ
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            _context.Unregister(this);
            _context.Resources.Remove(Handle);
            _context.Release(_wcMemory);
            _context.Release(_channel);
            _context.ChildDestroyed();
        }

        return rc;
    }

    internal void AddUser() => Interlocked.Increment(ref _users);

    internal void RemoveUser() => Interlocked.Decrement(ref _users);

    /// <inheritdoc/>
    public override string ToString() => $"cq ({Cqe} entries) on {_context}";
}
