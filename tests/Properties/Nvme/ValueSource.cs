using System.Buffers.Binary;
using System.Text;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>
/// Deterministic field values for the generators, from a seed FsCheck draws: uniform over the full range, with
/// the edge values (0, all ones) drawn often, so round trips see every bit of every field.
/// </summary>
internal sealed class ValueSource
{
    private const string NqnAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789.-:_ é✓";

    private readonly Random _rng;

    public ValueSource(int seed)
    {
        _rng = new Random(seed);
    }

    public ulong Bits(int count)
    {
        var mask = count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
        switch (_rng.Next(8))
        {
            case 0:
                return 0;
            case 1:
                return mask;
            default:
                Span<byte> bytes = stackalloc byte[8];
                _rng.NextBytes(bytes);
                return BinaryPrimitives.ReadUInt64LittleEndian(bytes) & mask;
        }
    }

    public ulong U64() => Bits(64);

    public uint U32() => (uint)Bits(32);

    public ushort U16() => (ushort)Bits(16);

    public byte U8() => (byte)Bits(8);

    public bool Bool() => _rng.Next(2) == 1;

    public int Range(int minInclusive, int maxInclusive) => _rng.Next(minInclusive, maxInclusive + 1);

    public Guid Guid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _rng.NextBytes(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    public string Ascii(int maxLength)
    {
        var length = Range(0, maxLength);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append((char)Range(0x20, 0x7E));
        }

        return text.ToString();
    }

    public Nqn Nqn()
    {
        var target = Range(0, Transport.Nvme.Nqn.MaxLength);
        var text = new StringBuilder();
        var bytes = 0;
        while (true)
        {
            var c = NqnAlphabet[Range(0, NqnAlphabet.Length - 1)];
            var size = Encoding.UTF8.GetByteCount(c.ToString());
            if (bytes + size > target)
            {
                break;
            }

            text.Append(c);
            bytes += size;
        }

        return Transport.Nvme.Nqn.FromString(text.ToString());
    }

    public SglDescriptor Sgl() => Range(0, 3) switch
    {
        0 => SglDescriptor.Keyed(U64(), (uint)Bits(24), U32(), Bool()),
        1 => SglDescriptor.InCapsule(U32(), U32()),
        2 => SglDescriptor.LastSegmentInCapsule(U32(), Range(1, SglDescriptor.MaxInCapsuleDescriptors)),
        _ => new SglDescriptor(U64(), U64()),
    };
}
