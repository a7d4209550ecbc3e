namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Where <see cref="NvmeRdmaHostDriver"/> is with its controller (what bdev_nvme tracks per NVMe controller).</summary>
public enum HostDriverPhase
{
    /// <summary>Not started.</summary>
    Idle,

    /// <summary>The controller is connecting and initializing; I/O qpairs are created once it is ready.</summary>
    Attaching,

    /// <summary>The controller is ready and its I/O qpairs exist (each may be reconnecting).</summary>
    Running,

    /// <summary>A controller action deletes the controller; a new one is attached once it is gone.</summary>
    Reattaching,

    /// <summary>The controller failed more often than allowed: deleted, every qpair given up.</summary>
    GaveUp,

    /// <summary><see cref="INvmeHostDriver.Shutdown"/>: the controller is being deleted.</summary>
    ShuttingDown,

    /// <summary>Deleted, poll groups destroyed: nothing is left.</summary>
    Closed,
}
