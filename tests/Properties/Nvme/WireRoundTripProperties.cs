using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>decode(encode(x)) == x for the SQE, CQE, status and SGL codecs, and encode(decode(b)) == b for raw entries.</summary>
[HarnessProperties(Arbitrary = new[] { typeof(NvmeArbitraries) }, MaxTest = 200)]
public sealed class WireRoundTripProperties
{
    [HarnessProperty]
    public void Sqe_round_trips(NvmeCommand cmd)
    {
        var (status, decoded, _) = RoundTrip.Run(cmd, NvmeCommand.Size, (in NvmeCommand c, Span<byte> d) => c.Encode(d), NvmeCommand.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(cmd, decoded);
    }

    [HarnessProperty]
    public void Any_64_bytes_decode_and_re_encode_to_the_same_bytes(Garbage garbage)
    {
        var sqe = new byte[NvmeCommand.Size];
        garbage.Bytes.AsSpan(0, Math.Min(garbage.Bytes.Length, sqe.Length)).CopyTo(sqe);
        Assert.Equal(NvmeStatus.Success, NvmeCommand.TryDecode(sqe, out var cmd));
        var again = new byte[NvmeCommand.Size];
        cmd.Encode(again);
        Assert.Equal(sqe, again);
    }

    [HarnessProperty]
    public void Sqe_decodes_only_its_first_64_bytes_of_a_capsule(NvmeCommand cmd, Garbage inCapsuleData)
    {
        var capsule = new byte[NvmeCommand.Size + inCapsuleData.Bytes.Length];
        cmd.Encode(capsule);
        inCapsuleData.Bytes.CopyTo(capsule, NvmeCommand.Size);
        Assert.Equal(NvmeStatus.Success, NvmeCommand.TryDecode(capsule, out var decoded));
        Assert.Equal(cmd, decoded);
    }

    [HarnessProperty]
    public void Cqe_round_trips(NvmeCompletion cpl)
    {
        var (status, decoded, _) = RoundTrip.Run(cpl, NvmeCompletion.Size, (in NvmeCompletion c, Span<byte> d) => c.Encode(d), NvmeCompletion.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(cpl, decoded);
    }

    [HarnessProperty]
    public void Any_16_bytes_decode_and_re_encode_to_the_same_bytes(Garbage garbage)
    {
        var cqe = new byte[NvmeCompletion.Size];
        garbage.Bytes.AsSpan(0, Math.Min(garbage.Bytes.Length, cqe.Length)).CopyTo(cqe);
        Assert.Equal(NvmeStatus.Success, NvmeCompletion.TryDecode(cqe, out var cpl));
        var again = new byte[NvmeCompletion.Size];
        cpl.Encode(again);
        Assert.Equal(cqe, again);
    }

    [HarnessProperty]
    public void Status_field_round_trips_with_either_phase(NvmeStatus status, bool phase)
    {
        var field = status.ToStatusField(phase);
        Assert.Equal(phase, (field & 1) == 1);
        Assert.Equal(status, NvmeStatus.FromStatusField(field));
        var rebuilt = new NvmeStatus(status.Sct, status.Sc, status.Dnr, status.More, status.Crd);
        Assert.Equal(status, rebuilt);
    }

    [HarnessProperty]
    public void Sgl_round_trips_and_keeps_its_fields(SglDescriptor sgl)
    {
        var wire = new byte[SglDescriptor.Size];
        sgl.Encode(wire);
        var read = SglDescriptor.Read(wire);
        Assert.Equal(sgl, read);
        var status = SglDescriptor.TryDecode(wire, out var decoded);
        Assert.Equal(sgl, decoded);
        Assert.Equal(sgl.Validate(), status);
    }

    [HarnessProperty]
    public void Keyed_sgl_round_trips(ulong address, uint length, uint key, bool invalidate)
    {
        length &= SglDescriptor.MaxKeyedLength;
        var sgl = SglDescriptor.Keyed(address, length, key, invalidate);
        var wire = new byte[SglDescriptor.Size];
        sgl.Encode(wire);
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryDecode(wire, out var decoded));
        Assert.Equal(SglDescriptorType.KeyedDataBlock, decoded.Type);
        Assert.Equal(invalidate ? SglDescriptorSubtype.InvalidateKey : SglDescriptorSubtype.Address, decoded.Subtype);
        Assert.Equal(address, decoded.Address);
        Assert.Equal(length, decoded.Length);
        Assert.Equal(key, decoded.Key);
        Assert.Equal(invalidate, decoded.InvalidatesKey);
    }

    [HarnessProperty]
    public void In_capsule_data_block_round_trips(uint offset, uint length)
    {
        var sgl = SglDescriptor.InCapsule(offset, length);
        var wire = new byte[SglDescriptor.Size];
        sgl.Encode(wire);
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryDecode(wire, out var decoded));
        Assert.True(decoded.IsInCapsuleData);
        Assert.Equal(offset, decoded.Address);
        Assert.Equal(length, decoded.Length);
        Assert.Equal(0u, decoded.Key);
    }

    [HarnessProperty]
    public void Last_segment_round_trips_with_its_descriptor_list(uint seed, byte countSeed)
    {
        var count = 1 + (countSeed % SglDescriptor.MaxInCapsuleDescriptors);
        var offset = (int)(seed % 64) * 16;
        var icd = new byte[offset + (count * SglDescriptor.Size) + 32];
        var expected = new SglDescriptor[count];
        for (var i = 0; i < count; i++)
        {
            expected[i] = SglDescriptor.Keyed((ulong)seed * (ulong)(i + 1), (uint)(i * 4096) & SglDescriptor.MaxKeyedLength, seed ^ (uint)i, i % 2 == 0);
            expected[i].Encode(icd.AsSpan(offset + (i * SglDescriptor.Size)));
        }

        var lastSegment = SglDescriptor.LastSegmentInCapsule((uint)offset, count);
        var wire = new byte[SglDescriptor.Size];
        lastSegment.Encode(wire);
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryDecode(wire, out var decodedSegment));
        Assert.True(decodedSegment.IsInCapsuleDescriptorList);
        Assert.Equal(count, decodedSegment.DescriptorCount);

        Span<SglDescriptor> list = stackalloc SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryDecodeList(icd, decodedSegment, list, out var decodedCount));
        Assert.Equal(expected, list[..decodedCount].ToArray());
    }
}
