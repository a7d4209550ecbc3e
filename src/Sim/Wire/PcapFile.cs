using System.Buffers.Binary;

namespace Harness.Sim.Wire;

/// <summary>
/// The libpcap capture file format with nanosecond timestamps (magic 0xA1B23C4D, version 2.4, link type Ethernet), as
/// Wireshark and tshark read it. Written by hand: the format is a 24-byte header and a 16-byte header per frame, and the
/// libraries that write it on .NET (SharpPcap) need the native libpcap, which this tool has no other use for.
/// </summary>
public static class PcapFile
{
    /// <summary>Magic number of a nanosecond-resolution capture.</summary>
    public const uint MagicNanoseconds = 0xA1B23C4D;

    /// <summary>LINKTYPE_ETHERNET.</summary>
    public const uint LinkTypeEthernet = 1;

    /// <summary>Largest frame a record keeps (the snapshot length the header announces).</summary>
    public const int SnapshotBytes = 65535;

    private const int FileHeaderBytes = 24;
    private const int RecordHeaderBytes = 16;
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Writes the file header.</summary>
    public static void WriteHeader(Stream output)
    {
        Span<byte> h = stackalloc byte[FileHeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(h, MagicNanoseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], SnapshotBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], LinkTypeEthernet);
        output.Write(h);
    }

    /// <summary>Writes one frame captured at <paramref name="timeNs"/> (virtual time); <paramref name="originalBytes"/> ≥ its kept bytes.</summary>
    public static void WriteRecord(Stream output, long timeNs, ReadOnlySpan<byte> frame, int originalBytes)
    {
        if (timeNs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeNs), timeNs, "a capture time is never negative");
        }

        if (frame.Length > SnapshotBytes || originalBytes < frame.Length)
        {
            throw new ArgumentException($"a record keeps {frame.Length} of {originalBytes} bytes (at most {SnapshotBytes})", nameof(frame));
        }

        Span<byte> h = stackalloc byte[RecordHeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(timeNs / NanosecondsPerSecond));
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(timeNs % NanosecondsPerSecond));
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)originalBytes);
        output.Write(h);
        output.Write(frame);
    }
}
