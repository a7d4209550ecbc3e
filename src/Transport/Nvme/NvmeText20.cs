using System.Runtime.CompilerServices;

namespace Harness.Transport.Nvme;

/// <summary>
/// A 20-byte ASCII field padded with spaces, as the Identify Controller Serial Number (SN). A value type without
/// heap storage, so identify data decodes without allocating; <see cref="ToString"/> gives the trimmed text.
/// </summary>
[InlineArray(Length)]
public struct NvmeText20 : IEquatable<NvmeText20>
{
    /// <summary>Field size in bytes.</summary>
    public const int Length = 20;

    private byte _element0;

    /// <summary>The field for printable ASCII <paramref name="text"/> of at most 20 characters, space padded.</summary>
    /// <exception cref="ArgumentException">Too long or not printable ASCII.</exception>
    public static NvmeText20 FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var field = default(NvmeText20);
        if (!FixedText.TryWriteAscii(text, field, 0x20))
        {
            throw new ArgumentException("Expected at most 20 printable ASCII characters.", nameof(text));
        }

        return field;
    }

    /// <summary>Copies the first 20 bytes of <paramref name="source"/> as they are.</summary>
    /// <exception cref="ArgumentException">Fewer than 20 bytes.</exception>
    public static NvmeText20 Read(ReadOnlySpan<byte> source)
    {
        var field = default(NvmeText20);
        source[..Length].CopyTo(field);
        return field;
    }

    /// <summary>Writes the 20 bytes.</summary>
    public readonly void Write(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = this;
        bytes.CopyTo(destination);
    }

    /// <summary>The text without trailing spaces.</summary>
    public override readonly string ToString() => FixedText.ReadAscii(this);

    /// <inheritdoc/>
    public readonly bool Equals(NvmeText20 other)
    {
        ReadOnlySpan<byte> mine = this;
        ReadOnlySpan<byte> theirs = other;
        return mine.SequenceEqual(theirs);
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is NvmeText20 other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => FixedText.Hash(this);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(NvmeText20 left, NvmeText20 right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(NvmeText20 left, NvmeText20 right) => !left.Equals(right);
}
