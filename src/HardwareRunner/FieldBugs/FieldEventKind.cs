namespace Harness.HardwareRunner.FieldBugs;

/// <summary>What a recognised failure line says happened.</summary>
public enum FieldEventKind
{
    /// <summary>A work completion with an error status other than a flush.</summary>
    WcError,

    /// <summary>An RDMA CM event (DISCONNECTED, REJECTED, DEVICE_REMOVAL, ADDR_CHANGE, …).</summary>
    CmEvent,

    /// <summary>An IB async event (QP fatal, port error, …).</summary>
    AsyncEvent,

    /// <summary>A controller delete that did not finish (<c>NVMe path '…' still exists after delete</c>).</summary>
    DeleteHang,
}
