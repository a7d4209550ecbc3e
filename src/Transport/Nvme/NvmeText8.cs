using System.Runtime.CompilerServices;

namespace Harness.Transport.Nvme;

/// <summary>
/// A 8-byte ASCII field padded with spaces, as the Identify Controller Firmware Revision (FR). A value type without
/// heap storage, so identify data decodes without allocating; <see cref="ToString"/> gives the trimmed text.
/// </summary>
[InlineArray(Length)]
public struct NvmeText8 : IEquatable<NvmeText8>
{
    /// <summary>Field size in bytes.</summary>
    public const int Length = 8;

    private byte _element0;

    /// <summary>The field for printable ASCII <paramref name="text"/> of at most 8 characters, space padded.</summary>
    /// <exception cref="ArgumentException">Too long or not printable ASCII.</exception>
    public static NvmeText8 FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var field = default(NvmeText8);
        if (!FixedText.TryWriteAscii(text, field, 0x20))
        {
            throw new ArgumentException("Expected at most 8 printable ASCII characters.", nameof(text));
        }

        return field;
    }

    /// <summary>Copies the first 8 bytes of <paramref name="source"/> as they are.</summary>
    /// <exception cref="ArgumentException">Fewer than 8 bytes.</exception>
    public static NvmeText8 Read(ReadOnlySpan<byte> source)
    {
        var field = default(NvmeText8);
        source[..Length].CopyTo(field);
        return field;
    }

    /// <summary>Writes the 8 bytes.</summary>
    public readonly void Write(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = this;
        bytes.CopyTo(destination);
    }

    /// <summary>The text without trailing spaces.</summary>
    public override readonly string ToString() => FixedText.ReadAscii(this);

    /// <inheritdoc/>
    public readonly bool Equals(NvmeText8 other)
    {
        ReadOnlySpan<byte> mine = this;
        ReadOnlySpan<byte> theirs = other;
        return mine.SequenceEqual(theirs);
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is NvmeText8 other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => FixedText.Hash(this);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(NvmeText8 left, NvmeText8 right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(NvmeText8 left, NvmeText8 right) => !left.Equals(right);
}
