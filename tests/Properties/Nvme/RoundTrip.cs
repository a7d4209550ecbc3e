namespace Harness.Tests.Properties.Nvme;

/// <summary>Encode-then-decode helpers for the round-trip properties.</summary>
internal static class RoundTrip
{
    public delegate void Encoder<T>(in T value, Span<byte> destination);

    public delegate TStatus Decoder<T, TStatus>(ReadOnlySpan<byte> source, out T value);

    /// <summary>Encodes into a buffer pre-filled with junk (so encoders must write every byte they own), decodes back.</summary>
    public static (TStatus Status, T Value, byte[] Wire) Run<T, TStatus>(T value, int size, Encoder<T> encode, Decoder<T, TStatus> decode)
    {
        var wire = new byte[size];
        Array.Fill(wire, (byte)0xA5);
        encode(value, wire);
        var status = decode(wire, out var decoded);
        return (status, decoded, wire);
    }
}
