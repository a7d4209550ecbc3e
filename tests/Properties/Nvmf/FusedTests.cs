using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// Goal: the controller's fused Compare-and-Write and Compare follow SPDK HEAD (ctrlr.c:nvmf_ctrlr_process_io_fused_cmd,
/// ctrlr_bdev.c compare-and-write): the FIRST is held until its SECOND, the Write lands only when the Compare matched,
/// and each broken sequence gets HEAD's status. Identify advertises FUSES and ONCS bit 0, as HEAD's defaults.
/// </summary>
public sealed class FusedTests
{
    [Fact]
    public void Identify_reports_compare_and_write_fuses_and_the_compare_command()
    {
        var bed = new NvmfTestBed();
        var (admin, _, _) = bed.ConnectAll();
        IdentifyControllerData.TryDecode(bed.Identify(admin, IdentifyCns.Controller).Data, out var data);
        Assert.Equal(1, data.Fuses & 1);
        Assert.Equal(1, data.Oncs & 1);
    }

    [Fact]
    public void A_matching_pair_writes_and_completes_the_first_then_the_second()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var old = bed.Pattern(4, 2, seed: 1);
        var next = bed.Pattern(4, 2, seed: 2);
        bed.Write(io, 4, old);

        var (first, second) = Pair(bed, io, 4, compare: old, write: next);
        Assert.Equal(NvmeStatus.Success, first.Status);
        Assert.Equal(NvmeStatus.Success, second.Status);
        Assert.Equal(next, bed.Read(io, 4, 2).Data);
    }

    [Fact]
    public void A_mismatching_pair_writes_nothing_and_fails_compare_failure_then_failed_fused()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var old = bed.Pattern(4, 2, seed: 1);
        bed.Write(io, 4, old);

        var (first, second) = Pair(bed, io, 4, compare: bed.Pattern(4, 2, seed: 3), write: bed.Pattern(4, 2, seed: 2));
        Assert.Equal(NvmeStatus.CompareFailure, first.Status);
        Assert.Equal(NvmeStatus.AbortedFailedFused, second.Status);
        Assert.Equal(old, bed.Read(io, 4, 2).Data);
    }

    [Fact]
    public void Halves_of_different_ranges_fail_invalid_field_and_failed_fused()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var first = Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.First, 4, new byte[2 * 4096]);
        Assert.Equal(0, first.Completions); // held for its SECOND
        var second = Half(bed, io, NvmeIoOpcode.Write, FusedOperation.Second, 6, bed.Pattern(6, 2, seed: 2));
        Assert.Equal(NvmeStatus.InvalidField, first.Status);
        Assert.Equal(NvmeStatus.AbortedFailedFused, second.Status);
        Assert.Equal(new byte[2 * 4096], bed.Read(io, 6, 2).Data);
    }

    [Fact]
    public void A_lone_second_fails_missing_fused_and_a_held_first_fails_when_a_plain_command_follows()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.AbortedMissingFused, Half(bed, io, NvmeIoOpcode.Write, FusedOperation.Second, 0, bed.Pattern(0, 1, seed: 1)).Status);

        var first = Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.First, 0, new byte[4096]);
        Assert.Equal(0, first.Completions);
        Assert.Equal(NvmeStatus.Success, bed.Read(io, 0, 1).Status);
        Assert.Equal(1, first.Completions);
        Assert.Equal(NvmeStatus.AbortedMissingFused, first.Status);
    }

    [Fact]
    public void A_first_that_is_not_a_compare_is_an_invalid_opcode_and_a_held_first_ends_with_its_qpair()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.InvalidOpcode, Half(bed, io, NvmeIoOpcode.Write, FusedOperation.First, 0, new byte[4096]).Status);

        var first = Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.First, 0, new byte[4096]);
        io.Disconnect();
        Assert.Equal(1, first.Completions);
        Assert.Equal(NvmeStatus.AbortedSqDeletion, first.Status);
    }

    [Fact]
    public void A_plain_compare_matches_only_the_stored_data()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var data = bed.Pattern(9, 1, seed: 5);
        bed.Write(io, 9, data);
        Assert.Equal(NvmeStatus.Success, Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.None, 9, data).Status);
        Assert.Equal(NvmeStatus.CompareFailure, Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.None, 9, bed.Pattern(9, 1, seed: 6)).Status);
    }

    private static (FakeNvmfRequest First, FakeNvmfRequest Second) Pair(NvmfTestBed bed, FakeQpair io, ulong lba, byte[] compare, byte[] write)
    {
        var first = Half(bed, io, NvmeIoOpcode.Compare, FusedOperation.First, lba, compare);
        Assert.Equal(0, first.Completions);
        var second = Half(bed, io, NvmeIoOpcode.Write, FusedOperation.Second, lba, write);
        Assert.Equal(1, first.Completions);
        Assert.Equal(1, second.Completions);
        return (first, second);
    }

    /// <summary>Executes one command without asserting it completed (a FIRST is held).</summary>
    private static FakeNvmfRequest Half(NvmfTestBed bed, FakeQpair io, NvmeIoOpcode opcode, FusedOperation fuse, ulong lba, byte[] data)
    {
        var cmd = new ReadWriteCommand { Opcode = opcode, Nsid = NvmfTarget.NamespaceId, Slba = lba, Nlb = (ushort)((data.Length / 4096) - 1) }.ToCommand();
        cmd.Fuse = fuse;
        cmd.Cid = (ushort)(0x100 + (int)lba + ((int)fuse << 12) + ((int)opcode << 8));
        cmd.Dptr = SglDescriptor.Keyed(0x1000, (uint)data.Length, 0x1234);
        var sqe = new byte[NvmeCommand.Size];
        cmd.Encode(sqe);
        var request = new FakeNvmfRequest(io, sqe, NvmeDataTransfer.HostToController, data);
        bed.Target.Execute(request);
        return request;
    }
}
