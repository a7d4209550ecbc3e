namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>wr_id of the raw host: kind in the high 32 bits (capsule SEND or response RECV), index in the low 32.</summary>
internal static class RawWrId
{
    public const uint Send = 1;
    public const uint Recv = 2;

    public static ulong Make(uint kind, int index) => ((ulong)kind << 32) | (uint)index;

    public static uint Kind(ulong wrId) => (uint)(wrId >> 32);

    public static int Index(ulong wrId) => (int)(uint)wrId;
}
