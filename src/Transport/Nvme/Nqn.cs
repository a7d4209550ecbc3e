using System.Runtime.CompilerServices;

namespace Harness.Transport.Nvme;

/// <summary>
/// A 256-byte NVMe Qualified Name field (Connect data SUBNQN/HOSTNQN, Identify Controller SUBNQN): UTF-8, NUL
/// terminated, NUL padded. A value type without heap storage, so decoding does not allocate.
/// </summary>
[InlineArray(Length)]
public struct Nqn : IEquatable<Nqn>
{
    /// <summary>Field size in bytes.</summary>
    public const int Length = 256;

    /// <summary>Longest NQN in bytes, without the terminating NUL (<c>SPDK_NVMF_NQN_MAX_LEN</c>).</summary>
    public const int MaxLength = 223;

    private byte _element0;

    /// <summary>The field for <paramref name="text"/> (at most 223 UTF-8 bytes, no NUL).</summary>
    /// <exception cref="ArgumentException">Too long or contains NUL.</exception>
    public static Nqn FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var field = default(Nqn);
        if (!FixedText.TryWriteUtf8(text, field, MaxLength))
        {
            throw new ArgumentException("An NQN has at most 223 UTF-8 bytes and no NUL.", nameof(text));
        }

        return field;
    }

    /// <summary>Copies the first 256 bytes of <paramref name="source"/> as they are.</summary>
    /// <exception cref="ArgumentException">Fewer than 256 bytes.</exception>
    public static Nqn Read(ReadOnlySpan<byte> source)
    {
        var field = default(Nqn);
        source[..Length].CopyTo(field);
        return field;
    }

    /// <summary>Writes the 256 bytes.</summary>
    public readonly void Write(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = this;
        bytes.CopyTo(destination);
    }

    /// <summary>True when a NUL ends the name within its first 224 bytes (223 + NUL), the check SPDK's target makes.</summary>
    public readonly bool IsTerminated
    {
        get
        {
            ReadOnlySpan<byte> bytes = this;
            return bytes[..(MaxLength + 1)].Contains((byte)0);
        }
    }

    /// <summary>True when the name is empty (first byte NUL).</summary>
    public readonly bool IsEmpty => this[0] == 0;

    /// <summary>True when this field holds exactly <paramref name="text"/> (UTF-8, NUL terminated).</summary>
    public readonly bool Matches(ReadOnlySpan<char> text)
    {
        Span<byte> other = stackalloc byte[Length];
        if (!FixedText.TryWriteUtf8(text, other, MaxLength))
        {
            return false;
        }

        ReadOnlySpan<byte> mine = this;
        var end = mine.IndexOf((byte)0);
        return end >= 0 && mine[..(end + 1)].SequenceEqual(other[..(end + 1)]);
    }

    /// <summary>The name up to its NUL.</summary>
    public override readonly string ToString() => FixedText.ReadUtf8(this);

    /// <inheritdoc/>
    public readonly bool Equals(Nqn other)
    {
        ReadOnlySpan<byte> mine = this;
        ReadOnlySpan<byte> theirs = other;
        return mine.SequenceEqual(theirs);
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is Nqn other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => FixedText.Hash(this);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(Nqn left, Nqn right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(Nqn left, Nqn right) => !left.Equals(right);
}
