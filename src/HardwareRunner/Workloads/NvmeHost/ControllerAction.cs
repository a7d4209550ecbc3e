namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>What the application does to the controller in the middle of the I/O (a fault profile's host-side faults).</summary>
public enum ControllerActionKind
{
    /// <summary>spdk_nvme_ctrlr_reset: every qpair disconnects, the controller is re-enabled, the qpairs reconnect.</summary>
    Reset,

    /// <summary>Delete the controller with its qpairs in whatever state they are (bdev_nvme_delete), then attach it again.</summary>
    DeleteAndReattach,
}

/// <summary>Controller action <paramref name="Kind"/> at <paramref name="AtNs"/> on the host's clock.</summary>
public readonly record struct ControllerAction(long AtNs, ControllerActionKind Kind);
