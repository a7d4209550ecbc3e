namespace Harness.Transport.Host;

/// <summary>
/// Host work-request ids: bits 63..40 the qpair's serial in its poll group (never reused), 39..32 the connection
/// generation (a completion from a previous connection of the same qpair is stale), bit 31 set for a RECV, 15..0 the
/// request or response index. The serial <see cref="SrqSerial"/> is no qpair's: it names a response buffer of the poll
/// group's SRQ (bits 39..32 then the SRQ's generation).
/// </summary>
internal static class HostWrId
{
    public const int SerialMax = (1 << 24) - 1;

    /// <summary>The serial of the poll group's SRQ receives (never given to a qpair).</summary>
    public const int SrqSerial = SerialMax;
    private const ulong RecvBit = 1UL << 31;

    public static ulong Send(int serial, byte generation, int index) => ((ulong)serial << 40) | ((ulong)generation << 32) | (uint)index;

    public static ulong Recv(int serial, byte generation, int index) => Send(serial, generation, index) | RecvBit;

    public static int Serial(ulong wrId) => (int)(wrId >> 40);

    public static byte Generation(ulong wrId) => (byte)(wrId >> 32);

    public static bool IsRecv(ulong wrId) => (wrId & RecvBit) != 0;

    public static int Index(ulong wrId) => (int)(wrId & 0xFFFF);
}
