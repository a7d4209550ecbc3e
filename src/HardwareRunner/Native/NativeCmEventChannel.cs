using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A CM event channel (<c>struct rdma_event_channel</c>, a non-blocking fd), shared by any number of ids.</summary>
public sealed unsafe class NativeCmEventChannel : ICmEventChannel
{
    private readonly NativeCm _cm;
    private int _ids;

    internal NativeCmEventChannel(NativeCm cm, SafeRdmaEventChannelHandle handle)
    {
        _cm = cm;
        Handle = handle;
    }

    /// <summary>Ids using the channel.</summary>
    public int IdCount => Volatile.Read(ref _ids);

    internal SafeRdmaEventChannelHandle Handle { get; }

    internal RdmaEventChannel* Native => (RdmaEventChannel*)Handle.Pointer;

    /// <summary>
    /// Non-blocking <c>rdma_get_cm_event</c>: 0 and the event, EAGAIN when none is ready, EINVAL once destroyed. Safe to
    /// call from several threads (the kernel hands each event to one reader).
    /// </summary>
    public int GetEvent(out CmEvent? ev)
    {
        ev = null;
        if (!Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            RdmaCmEvent* native;
            if (LibRdmacm.rdma_get_cm_event(Native, &native) != 0)
            {
                return NativeErrno.Last();
            }

            ev = _cm.Adopt(this, native);
            return Errno.Ok;
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <summary><c>rdma_destroy_event_channel</c>: EBUSY while ids use it (the simulator's rule; librdmacm would close the fd under them).</summary>
    public int Destroy()
    {
        if (IdCount > 0)
        {
            return Errno.EBUSY;
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            _cm.Resources.Remove(Handle);
        }

        return rc;
    }

    internal void AddId() => Interlocked.Increment(ref _ids);

    internal void RemoveId() => Interlocked.Decrement(ref _ids);
}
