namespace Harness.Transport.Nvme;

/// <summary>
/// The command specific DW0 of a Connect response (SPDK <c>struct spdk_nvmf_fabric_connect_rsp</c>): on success
/// CNTLID in bits 15:0 (and AUTHREQ in 31:16); on Connect Invalid Parameters IPO (byte offset of the bad field) in
/// bits 15:0 and IATTR in bits 23:16 (0: the field is in the command, 1: in the Connect data).
/// </summary>
public static class ConnectResponse
{
    /// <summary>DW0 of a successful Connect.</summary>
    public static uint SuccessDw0(ushort cntlid) => cntlid;

    /// <summary>The CNTLID of a successful Connect's DW0.</summary>
    public static ushort GetCntlid(uint dw0) => (ushort)dw0;

    /// <summary>DW0 of a Connect Invalid Parameters response.</summary>
    public static uint InvalidParameterDw0(bool inConnectData, ushort offset) =>
        offset | ((inConnectData ? 1u : 0u) << 16);

    /// <summary>Reads IATTR/IPO from a Connect Invalid Parameters response's DW0.</summary>
    public static void ReadInvalidParameter(uint dw0, out bool inConnectData, out ushort offset)
    {
        offset = (ushort)dw0;
        inConnectData = ((dw0 >> 16) & 0xFF) == 1;
    }

    /// <summary>A Connect response completion: success with <paramref name="cntlid"/>.</summary>
    public static NvmeCompletion Success(ushort cid, ushort cntlid, ushort sqhd = 0) => new()
    {
        Cid = cid,
        Sqhd = sqhd,
        Dw0 = SuccessDw0(cntlid),
    };

    /// <summary>A Connect response completion: Connect Invalid Parameters for the field at <paramref name="offset"/>.</summary>
    public static NvmeCompletion InvalidParameter(ushort cid, bool inConnectData, ushort offset, ushort sqhd = 0) => new()
    {
        Cid = cid,
        Sqhd = sqhd,
        Dw0 = InvalidParameterDw0(inConnectData, offset),
        Status = NvmeStatus.ConnectInvalidParameters,
    };
}
