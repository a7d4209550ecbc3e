namespace Harness.Sim.Faults;

/// <summary>
/// Which of the two signs of a device going away comes first. Both orders happen in the field: a fatal error of the
/// device (mlx5 health: internal error) raises IBV_EVENT_DEVICE_FATAL at once and flushes every QP, and the CM's
/// RDMA_CM_EVENT_DEVICE_REMOVAL follows when the driver unregisters the device; an orderly unplug (PCI hot-remove, driver
/// unbind) tells the CM's clients first (DEVICE_REMOVAL on every id) and raises DEVICE_FATAL only when uverbs
/// disassociates the context, which is when the QPs stop.
/// </summary>
public enum DeviceRemovalOrder
{
    /// <summary>DEVICE_FATAL, the device gone and every QP to ERR; DEVICE_REMOVAL on the ids a gap later.</summary>
    FatalFirst = 0,

    /// <summary>DEVICE_REMOVAL on the ids while the device still works; DEVICE_FATAL, device gone and QPs to ERR a gap later.</summary>
    RemovalFirst,
}
