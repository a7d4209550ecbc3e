namespace Harness.HardwareRunner.Native;

/// <summary>Outcome of opening the native stack; each failure has its own, distinct message.</summary>
public enum NativeOpenStatus
{
    /// <summary>Libraries loaded, devices listed.</summary>
    Ok,

    /// <summary>libibverbs.so.1 or librdmacm.so.1 could not be loaded, or lacks a function the backend binds.</summary>
    LibraryMissing,

    /// <summary><c>ibv_get_device_list</c> failed with ENOSYS: the kernel has no RDMA support (no ib_uverbs).</summary>
    NoKernelSupport,

    /// <summary><c>ibv_get_device_list</c> returned an empty list: no RDMA NIC, or its driver / rdma_rxe is not loaded.</summary>
    NoDevices,

    /// <summary>Devices exist, but not the one asked for (<see cref="NativeStackOptions.DeviceName"/>).</summary>
    DeviceNotFound,

    /// <summary>Any other failure (the message names the call and errno).</summary>
    Failed,
}
