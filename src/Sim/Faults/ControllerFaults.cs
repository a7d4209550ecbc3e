using Harness.Transport.Nvme;

namespace Harness.Sim.Faults;

/// <summary>The I/O commands a controller-layer fault selects on.</summary>
public enum ControllerIoKind
{
    /// <summary>Reads and Writes.</summary>
    Any = 0,
    Read,
    Write,
}

/// <summary>
/// The <paramref name="Nth"/> (1-based) I/O command of kind <paramref name="Op"/> the target's controller executes (on
/// queue <paramref name="Qid"/> of any controller; null = any queue) fails in the block device with
/// <paramref name="Status"/>: the response capsule carries it, a failed Read sends no data, a failed Write leaves the
/// blocks as they were.
/// </summary>
public sealed record ControllerErrorFault(ControllerIoKind Op, int Nth, NvmeStatus Status, int? Qid = null) : ScriptedFault;

/// <summary>
/// The <paramref name="Nth"/> (1-based) I/O command of kind <paramref name="Op"/> (on queue <paramref name="Qid"/>; null
/// = any) completes <paramref name="DelayNs"/> late in the block device: its request stays EXECUTING that long.
/// </summary>
public sealed record ControllerDelayFault(ControllerIoKind Op, int Nth, long DelayNs, int? Qid = null) : ScriptedFault;
