namespace Harness.Transport.Target;

/// <summary>What a work request belongs to (SPDK's <c>enum spdk_nvmf_rdma_wr_type</c>).</summary>
public enum RdmaWrType
{
    Recv = 0,
    Send = 1,
    Data = 2,
}

/// <summary>
/// Encodes what SPDK keeps behind <c>wr_id</c> pointers: the WR type, the resources it belongs to and the object's
/// index, so a completion finds its request or receive without allocation. Completions are dispatched on this type,
/// never on <c>wc.opcode</c> (undefined for error completions).
/// </summary>
public static class RdmaWrId
{
    private const int TypeShift = 60;
    private const int ResourcesShift = 32;
    private const ulong ResourcesMask = 0x0FFF_FFFF;

    public static ulong Encode(RdmaWrType type, int resourcesId, int index) =>
        ((ulong)type << TypeShift) | (((ulong)resourcesId & ResourcesMask) << ResourcesShift) | (uint)index;

    public static RdmaWrType Type(ulong wrId) => (RdmaWrType)(wrId >> TypeShift);

    public static int ResourcesId(ulong wrId) => (int)((wrId >> ResourcesShift) & ResourcesMask);

    public static int Index(ulong wrId) => (int)(uint)wrId;
}
