using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>NVM I/O on namespace 1: data paths and every rejection with its exact status.</summary>
public sealed class IoTests
{
    [Fact]
    public void Read_after_write_returns_the_data_and_unwritten_blocks_read_as_zeroes()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var data = bed.Pattern(10, 4, seed: 1);
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 10, data).Status);

        var read = bed.Read(io, 8, 8);
        Assert.Equal(NvmeStatus.Success, read.Status);
        Assert.All(read.Data.Take(2 * 4096), b => Assert.Equal(0, b));
        Assert.Equal(data, read.Data.Skip(2 * 4096).Take(4 * 4096));
        Assert.All(read.Data.Skip(6 * 4096), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Last_blocks_of_a_1_tib_namespace_are_usable()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var last = bed.Target.Namespace.BlockCount - 2;
        var data = bed.Pattern(last, 2, seed: 9);
        Assert.Equal(NvmeStatus.Success, bed.Write(io, last, data).Status);
        Assert.Equal(data, bed.Read(io, last, 2).Data);
        Assert.Equal(NvmeStatus.LbaOutOfRange, bed.Write(io, last + 1, data).Status);
        Assert.Equal(NvmeStatus.LbaOutOfRange, bed.Read(io, ulong.MaxValue, 2).Status); // SLBA + NLB wraps around
        Assert.Equal(bed.Options.ChunkBytes, bed.Target.Namespace.BytesAllocated);
    }

    [Fact]
    public void Write_zeroes_and_deallocate_read_back_as_zeroes()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        bed.Write(io, 0, bed.Pattern(0, 32, seed: 2));
        Assert.Equal(NvmeStatus.Success, bed.WriteZeroes(io, 4, 4).Status);
        Assert.Equal(NvmeStatus.Success, bed.Deallocate(io, new DsmRange { StartingLba = 20, LengthInBlocks = 3 }, new DsmRange { StartingLba = 30, LengthInBlocks = 2 }).Status);

        var read = bed.Read(io, 0, 32).Data;
        var expected = bed.Pattern(0, 32, seed: 2);
        expected.AsSpan(4 * 4096, 4 * 4096).Clear();
        expected.AsSpan(20 * 4096, 3 * 4096).Clear();
        expected.AsSpan(30 * 4096, 2 * 4096).Clear();
        Assert.Equal(expected, read);
    }

    [Fact]
    public void Deallocate_releases_whole_chunks()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        bed.Write(io, 0, bed.Pattern(0, 32, seed: 3)); // 128 KiB = two 64 KiB chunks
        Assert.Equal(2 * 65536, bed.Target.Namespace.BytesAllocated);
        bed.Deallocate(io, new DsmRange { StartingLba = 0, LengthInBlocks = 16 });
        Assert.Equal(65536, bed.Target.Namespace.BytesAllocated);
        bed.WriteZeroes(io, 16, 16);
        Assert.Equal(0, bed.Target.Namespace.BytesAllocated);
    }

    [Fact]
    public void Deallocate_of_the_whole_namespace_is_cheap()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        bed.Write(io, 123_456_789, bed.Pattern(123_456_789, 1, seed: 4));
        var all = bed.Target.Namespace.BlockCount;
        var dsm = bed.Deallocate(io, new DsmRange { StartingLba = 0, LengthInBlocks = (uint)all });
        Assert.Equal(NvmeStatus.Success, dsm.Status);
        Assert.Equal(0, bed.Target.Namespace.BytesAllocated);
    }

    [Fact]
    public void Dsm_without_deallocate_changes_nothing()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var data = bed.Pattern(0, 1, seed: 5);
        bed.Write(io, 0, data);
        var list = new byte[16];
        new DsmRange { StartingLba = 0, LengthInBlocks = 1 }.Encode(list);
        var dsm = new DatasetManagementCommand { Nsid = 1, Attributes = DsmAttributes.IntegralRead }.ToCommand();
        Assert.Equal(NvmeStatus.Success, bed.Execute(io, dsm, list).Status);
        Assert.Equal(data, bed.Read(io, 0, 1).Data);
    }

    [Fact]
    public void Dsm_rejections_leave_the_data_alone()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var data = bed.Pattern(0, 1, seed: 6);
        bed.Write(io, 0, data);
        var outside = bed.Deallocate(io, new DsmRange { StartingLba = 0, LengthInBlocks = 1 }, new DsmRange { StartingLba = bed.Target.Namespace.BlockCount, LengthInBlocks = 1 });
        Assert.Equal(NvmeStatus.LbaOutOfRange, outside.Status);

        var dsm = new DatasetManagementCommand { Nsid = 1, Nr = 1, Attributes = DsmAttributes.Deallocate }.ToCommand();
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, bed.Execute(io, dsm, new byte[31]).Status);
        Assert.Equal(data, bed.Read(io, 0, 1).Data);
    }

    [Fact]
    public void Sgl_shorter_than_the_blocks_is_data_sgl_length_invalid_and_longer_is_accepted()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var twoBlocks = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Nsid = 1, Slba = 0, Nlb = 1 }.ToCommand();
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, bed.Execute(io, twoBlocks, new byte[8191]).Status);
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, bed.Execute(io, twoBlocks).Status); // no data at all
        Assert.Equal(NvmeStatus.Success, bed.Execute(io, twoBlocks, new byte[8192 + 512]).Status); // SPDK: only "NLB × bs > length" fails

        var read = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = 1, Slba = 0, Nlb = 1 }.ToCommand();
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, bed.Execute(io, read, new byte[8192], NvmeDataTransfer.HostToController).Status);
    }

    [Fact]
    public void Range_is_checked_before_length()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        var cmd = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = 1, Slba = bed.Target.Namespace.BlockCount, Nlb = 0 }.ToCommand();
        Assert.Equal(NvmeStatus.LbaOutOfRange, bed.Execute(io, cmd, new byte[1]).Status);
    }

    [Fact]
    public void Transfers_beyond_mdts_are_invalid_field()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { IoBytesMax = 8192 });
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 0, new byte[8192]).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.Write(io, 0, new byte[12288]).Status);
    }

    [Fact]
    public void Io_rejections()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat.WithDnr(), bed.Read(io, 0, 1, nsid: 2).Status);
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat.WithDnr(), bed.Read(io, 0, 1, nsid: 0xFFFFFFFF).Status);
        Assert.Equal(NvmeStatus.InvalidOpcode.WithDnr(), bed.Execute(io, NvmeCommand.Create(0x0C, 0, 1), new byte[4096]).Status); // Verify: not served
        Assert.Equal(NvmeStatus.Success, bed.Execute(io, NvmeCommand.Create((byte)NvmeIoOpcode.Compare, 0, 1), new byte[4096]).Status); // Compare is (ONCS bit 0), as HEAD
        Assert.Equal(NvmeStatus.InvalidOpcode.WithDnr(), bed.Execute(io, NvmeCommand.Create(0x81, 0, 1)).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.WriteZeroes(io, 0, 1, deallocate: true).Status); // SPDK does not support DEAC
        Assert.Equal(NvmeStatus.LbaOutOfRange, bed.WriteZeroes(io, bed.Target.Namespace.BlockCount - 1, 2).Status);
        Assert.Equal(NvmeStatus.Success, bed.Execute(io, new FlushCommand { Nsid = 1 }.ToCommand()).Status);
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat.WithDnr(), bed.Execute(io, new FlushCommand { Nsid = 0xFFFFFFFF }.ToCommand()).Status);

        var fused = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Nsid = 1, Nlb = 0 }.ToCommand();
        fused.Fuse = FusedOperation.Second;
        // A SECOND with no FIRST held: ABORTED - MISSING FUSED (ctrlr.c:nvmf_ctrlr_process_io_fused_cmd:4880; FUSES is
        // supported, so not INVALID FIELD as before fused commands were modelled).
        Assert.Equal(NvmeStatus.AbortedMissingFused, bed.Execute(io, fused, new byte[4096]).Status);
    }

    [Fact]
    public void Writes_beyond_the_memory_budget_are_capacity_exceeded()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { MemoryBytesMax = 2 * 65536 });
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 0, bed.Pattern(0, 1, 1)).Status);
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 1_000_000, bed.Pattern(1_000_000, 1, 1)).Status);
        Assert.Equal(NvmeStatus.CapacityExceeded, bed.Write(io, 2_000_000, bed.Pattern(2_000_000, 1, 1)).Status);
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 1, bed.Pattern(1, 1, 1)).Status); // an allocated chunk still takes writes
        Assert.Equal(2 * 65536, bed.Target.Namespace.BytesAllocated);
    }

    [Fact]
    public void Block_size_512_works()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { BlockSize = 512, NamespaceBytes = 1L << 30, ChunkBytes = 4096 });
        var (_, io, _) = bed.ConnectAll();
        var data = bed.Pattern(7, 3, seed: 8);
        Assert.Equal(NvmeStatus.Success, bed.Write(io, 7, data).Status);
        Assert.Equal(data, bed.Read(io, 7, 3).Data);
        Assert.Equal(NvmeStatus.LbaOutOfRange, bed.Read(io, (1UL << 30) / 512, 1).Status);
    }
}
