using Harness.Transport.Nvme;

namespace Harness.Transport.Nvmf;

/// <summary>What a command completes with: status and completion dwords 0 and 1; or that it is held (completed later).</summary>
internal readonly record struct NvmfResult(NvmeStatus Status, uint Dw0, uint Dw1, bool IsHeld = false)
{
    /// <summary>
    /// Not completed now: the request is held (an AER, SPDK_NVMF_REQUEST_EXEC_STATUS_ASYNCHRONOUS) and completed later.
    /// </summary>
    public static NvmfResult Held => new(NvmeStatus.Success, 0, 0, IsHeld: true);

    /// <summary>Success, DW0 and DW1 zero.</summary>
    public static NvmfResult Ok => default;

    /// <summary>Success with a command specific DW0.</summary>
    public static NvmfResult Dword(uint dw0) => new(NvmeStatus.Success, dw0, 0);

    /// <summary>Success with an 8-byte value (DW0 low, DW1 high), as Property Get returns it.</summary>
    public static NvmfResult Value(ulong value) => new(NvmeStatus.Success, (uint)value, (uint)(value >> 32));

    /// <summary>Connect Invalid Parameters naming the offending field (IATTR/IPO in DW0).</summary>
    public static NvmfResult InvalidParameter(bool inConnectData, ushort offset) =>
        new(NvmeStatus.ConnectInvalidParameters, ConnectResponse.InvalidParameterDw0(inConnectData, offset), 0);

    /// <summary>A status without dwords.</summary>
    public static implicit operator NvmfResult(NvmeStatus status) => new(status, 0, 0);
}
