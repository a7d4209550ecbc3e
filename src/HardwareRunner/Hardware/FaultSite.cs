using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// One side's objects as the fault executor sees them: how far the I/O is, its QPs by the simulator's numbering, and
/// the host-only levers (data MRs, controller actions). <see cref="TargetFaultSite"/> and <see cref="HostFaultSite"/> are
/// the real ones; they read the transports' own objects, which are the same on either backend.
/// </summary>
public abstract class FaultSite
{
    /// <summary>The side.</summary>
    public abstract HardwareSide Side { get; }

    /// <summary>Progress the timed actions are measured against: I/Os done (host) or commands executed (target).</summary>
    public abstract long Progress { get; }

    /// <summary>
    /// The live connection(s) of QP <paramref name="ordinal"/> (null: every live one of the side) into <paramref name="into"/>.
    /// </summary>
    public abstract FaultQpLookup Find(int? ordinal, List<FaultQp> into);

    /// <summary>Host: deregisters the data MR of I/O qpair <paramref name="qpair"/> over <paramref name="buffer"/>; the rkey it had. An errno.</summary>
    public virtual int DeregisterData(int qpair, DmaBuffer buffer, out uint rkey)
    {
        rkey = 0;
        return Errno.ENOSYS;
    }

    /// <summary>Host: asks the driver for a controller action. An errno.</summary>
    public virtual int RequestControllerAction(ControllerActionKind kind) => Errno.ENOSYS;
}
