namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The workload's wr_id layout: kind (8 bits) | connection (16) | slot (16) | block (24). Completions are dispatched on
/// the wr_id alone (never on the WC opcode, which is undefined on error), as SPDK does; the block makes the trace show
/// which block each READ/WRITE touched.
/// </summary>
internal static class WrId
{
    public const int ConnectionsMax = 1 << 16;
    public const int SlotsMax = 1 << 16;
    public const int BlocksMax = 1 << 24;

    public static ulong Make(WrKindTag kind, int connection, int slot, int block = 0) =>
        ((ulong)kind << 56) | ((ulong)(uint)connection << 40) | ((ulong)(uint)slot << 24) | (uint)block;

    public static WrKindTag Kind(ulong wrId) => (WrKindTag)(wrId >> 56);

    public static int Connection(ulong wrId) => (int)((wrId >> 40) & 0xFFFF);

    public static int Slot(ulong wrId) => (int)((wrId >> 24) & 0xFFFF);

    public static int Block(ulong wrId) => (int)(wrId & 0xFFFFFF);
}
