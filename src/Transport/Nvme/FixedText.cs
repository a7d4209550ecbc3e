using System.Text;

namespace Harness.Transport.Nvme;

/// <summary>Span helpers shared by the fixed-size text fields (<see cref="NvmeText8"/>, <see cref="Nqn"/>, ...).</summary>
internal static class FixedText
{
    /// <summary>Writes printable ASCII <paramref name="text"/> into <paramref name="destination"/>, padded with <paramref name="pad"/>.</summary>
    public static bool TryWriteAscii(ReadOnlySpan<char> text, Span<byte> destination, byte pad)
    {
        if (text.Length > destination.Length)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7E)
            {
                return false;
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            destination[i] = (byte)text[i];
        }

        destination[text.Length..].Fill(pad);
        return true;
    }

    /// <summary>Writes the UTF-8 form of <paramref name="text"/> and NUL-fills the rest; needs at most <paramref name="maxBytes"/> bytes.</summary>
    public static bool TryWriteUtf8(ReadOnlySpan<char> text, Span<byte> destination, int maxBytes)
    {
        destination.Clear();
        var limit = Math.Min(maxBytes, destination.Length);
        if (text.Contains('\0') || Encoding.UTF8.GetByteCount(text) > limit)
        {
            return false;
        }

        Encoding.UTF8.GetBytes(text, destination);
        return true;
    }

    /// <summary>ASCII text with trailing spaces and NULs removed (non-ASCII bytes read as '?').</summary>
    public static string ReadAscii(ReadOnlySpan<byte> source)
    {
        var end = source.Length;
        while (end > 0 && (source[end - 1] == 0x20 || source[end - 1] == 0))
        {
            end--;
        }

        return Encoding.ASCII.GetString(source[..end]);
    }

    /// <summary>UTF-8 text up to the first NUL (or the whole field).</summary>
    public static string ReadUtf8(ReadOnlySpan<byte> source)
    {
        var end = source.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? source : source[..end]);
    }

    /// <summary>Stable hash of the bytes.</summary>
    public static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
