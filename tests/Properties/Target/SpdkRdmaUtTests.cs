using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// The cases of SPDK's test/unit/lib/nvmf/rdma.c/rdma_ut.c (HEAD 3230130e6a) that apply to this port's data path,
/// rewritten here against the whole transport (a raw host, the simulated NIC, a controller that records what each
/// request looked like when it executed) instead of mocks. Each test is named after the SPDK case and says what it
/// checks. The cases of iobuf's small and large pools (parse_sgl parts 2 and 3, multi-SGL parts 2..5 and "buffer / 2") run
/// with a large pool (<see cref="TargetOptions.LargePoolCount"/>) of <c>large_bufsize</c> 128 KiB and <c>small_bufsize</c>
/// 8 KiB, as the unit test sets them. Cases of other parts of the transport (poll groups, resources, CQ resize) are not here.
/// </summary>
public sealed class SpdkRdmaUtTests
{
    private const int IoUnit = 8192;

    /// <summary>large_bufsize in rdma_ut.c (SPDK_NVMF_RDMA_DEFAULT_MAX_IO_SIZE).</summary>
    private const int LargeUnit = 131_072;

    /// <summary>Virtual time after an answer for the target to poll the response's completion and free the request.</summary>
    private const long QuietNs = 10_000_000;

    [Fact]
    public void ParseSgl_keyed_address_smaller_than_a_buffer_is_one_wr_with_one_sge_at_the_hosts_address_and_key()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);

        Assert.True(Send(bed, host, Write(host, 1, IoUnit / 2)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(((uint)(IoUnit / 2), 1, 1), (r.Length, r.NumWrs, r.Sges[0]));
        Assert.Equal((host.Data.Address + (ulong)host.SlotBytes, host.DataMr.Rkey), (r.RemoteAddrs[0], r.Rkeys[0]));
    }

    [Fact]
    public void ParseSgl_keyed_address_of_max_io_size_is_one_wr_with_sixteen_sges()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);

        Assert.True(Send(bed, host, Write(host, 1, 131_072)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal((131_072u, 1, 16), (r.Length, r.NumWrs, r.Sges[0]));
    }

    [Theory]
    [InlineData(4, true)] // 4 buffers: one WR of 4 SGEs
    [InlineData(5, false)] // 5 buffers, 4 SGEs: fill_wr_sgl's "Not enough SG entries", never a second WR
    public void FillWrSgl_a_keyed_sgl_is_one_wr_and_more_buffers_than_its_sges_is_data_sgl_length_invalid(int buffers, bool fits)
    {
        var recorder = new Recorder();
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 64, IoUnitSize = IoUnit, MaxSendSge = 4 }, handler: recorder);
        recorder.Transport = bed.Transport;
        var host = Connect(bed);

        var status = Send(bed, host, Write(host, 1, (uint)(buffers * IoUnit)));
        bed.RunFor(QuietNs);

        Assert.Equal(fits ? NvmeStatus.Success : NvmeStatus.DataSglLengthInvalid, status);
        Assert.Equal(fits ? [(1, buffers)] : Array.Empty<(int, int)>(), recorder.Seen.Where(x => x.Cid == 1).Select(x => (x.NumWrs, x.Sges[0])));
        Assert.Equal(bed.Transport.Buffers!.Count, bed.Transport.Buffers.Available); // fill_iovs' error path gave them back
        Assert.Equal(bed.Transport.DataWrs.Capacity, bed.Transport.DataWrs.Available); // and took no pooled WR
    }

    [Fact]
    public void ParseSgl_keyed_address_longer_than_max_io_size_is_data_sgl_length_invalid()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);

        Assert.Equal(NvmeStatus.DataSglLengthInvalid, Send(bed, host, Write(host, 1, 2 * 131_072)));
        Assert.DoesNotContain(seen, s => s.Cid == 1);
    }

    [Fact]
    public void ParseSgl_keyed_address_without_buffers_waits_in_need_buffer_and_proceeds_when_one_is_put()
    {
        // rdma_ut.c:test_spdk_nvmf_rdma_request_parse_sgl part 5 and test_spdk_nvmf_rdma_request_process 2.1: with the
        // pool empty the request waits in NEED_BUFFER; here nothing retries it, the put that gives a buffer back does.
        using var bed = Bed(out var seen);
        var host = Connect(bed);
        var pool = bed.Transport.Buffers!.Small;
        var taken = Enumerable.Range(0, pool.Count).Select(_ => pool.Withhold()).ToArray(); // another iobuf user holds them all

        Assert.Equal(0, host.SendCapsule(1, Write(host, 1, IoUnit)));
        bed.RunFor(QuietNs);
        var channel = bed.Transport.PollGroups[0].Iobuf;
        var waiting = channel.SmallQueue.First;
        Assert.NotNull(waiting);
        Assert.Equal((RdmaRequestState.NeedBuffer, 0, (uint)IoUnit), (waiting!.State, waiting.BufferCount, waiting.IobufRemainingLength));
        Assert.Empty(seen);

        pool.EndWithhold(taken[0]);
        channel.Put(taken[0], IoUnit); // as a request's free would: straight to the waiter, which moves on inside the put
        Assert.True(channel.SmallQueue.IsEmpty);
        Assert.NotEqual(RdmaRequestState.NeedBuffer, waiting.State);
        foreach (var b in taken.Skip(1))
        {
            pool.EndWithhold(b);
            channel.Put(b, IoUnit);
        }

        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(1); }, "the answer to CID 1");
        Assert.True(host.Responses[1].Status.IsSuccess);
        Assert.Single(seen, s => s.Cid == 1);
        bed.RunFor(QuietNs); // the response SEND's completion frees the request
        Assert.Equal(pool.Count, pool.Available);
    }

    [Fact]
    public void ParseSgl_in_capsule_offset_zero_of_in_capsule_size_executes_from_the_capsule()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);

        Assert.True(Send(bed, host, InCapsuleWrite(1, offset: 0, length: 4096, carried: 4096)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal((4096u, 0), (r.Length, r.NumWrs));
    }

    [Theory]
    [InlineData(4096u, 4096u)] // offset + length too large (offset at the end of the in-capsule area)
    [InlineData(0u, 8192u)] // length too large
    public void ParseSgl_in_capsule_past_in_capsule_data_size_is_refused(uint offset, uint length)
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);

        Assert.True(Send(bed, host, InCapsuleWrite(1, offset, length, carried: 0)).IsError);
        Assert.DoesNotContain(seen, s => s.Cid == 1);
    }

    [Fact]
    public void ParseSgl_multi_sgl_two_descriptors_are_two_wrs_each_at_its_descriptors_address_and_key()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);
        var wrsBefore = bed.Transport.DataWrs.Available;

        Assert.True(Send(bed, host, ListWrite(host, 1, IoUnit, IoUnit)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(((uint)(2 * IoUnit), 2), (r.Length, r.NumWrs));
        Assert.Equal(host.Data.Address + (ulong)host.SlotBytes + IoUnit, r.RemoteAddrs[1]);
        Assert.Equal(wrsBefore - 1, r.DataWrsAvailable); // nvmf_request_alloc_wrs(num_wrs - 1)
        bed.RunFor(QuietNs);
        Assert.Equal(wrsBefore, bed.Transport.DataWrs.Available); // request_free_data: all back
    }

    [Fact]
    public void ParseSgl_multi_sgl_takes_buffers_for_the_total_and_a_descriptor_runs_on_into_the_next_buffer()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);
        var data = host.Slot(1, 2 * IoUnit);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7);
        }

        var expected = data.ToArray();

        // 4 KiB + 8 KiB + 4 KiB in two 8 KiB buffers (019a5361a5's contiguous buffers): the middle WR has two SGEs.
        Assert.True(Send(bed, host, ListWrite(host, 1, IoUnit / 2, IoUnit, IoUnit / 2)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(3, r.NumWrs);
        Assert.Equal(new[] { 1, 2, 1 }, r.Sges);
        host.Slot(2, 2 * IoUnit).Clear();
        Assert.True(Send(bed, host, Read(host, 2, 2 * IoUnit)).IsSuccess); // the same blocks read back whole
        Assert.Equal(expected, host.Slot(2, 2 * IoUnit).ToArray());
    }

    [Fact]
    public void ParseSgl_multi_sgl_descriptor_with_invalidate_key_subtype_is_refused_as_fill_iovs_multi_sgl_does()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);
        var capsule = ListWrite(host, 1, IoUnit, IoUnit);
        SglDescriptor.Keyed(host.Data.Address + (ulong)host.SlotBytes + IoUnit, IoUnit, host.DataMr.Rkey, invalidateKey: true).Encode(capsule.AsSpan(64 + SglDescriptor.Size));

        Assert.Equal(NvmeStatus.DataSglLengthInvalid, Send(bed, host, capsule));
        Assert.DoesNotContain(seen, s => s.Cid == 1);
    }

    [Fact]
    public void RequestProcess_single_sgl_read_goes_new_to_executing_then_transferring_c2h_then_free()
    {
        using var bed = Bed(out _);
        var host = Connect(bed);

        Assert.True(Send(bed, host, Read(host, 1, IoUnit)).IsSuccess);
        Assert.Contains((RdmaRequestState.ReadyToExecute, RdmaRequestState.Executing), bed.Transitions);
        Assert.Contains((RdmaRequestState.ReadyToComplete, RdmaRequestState.TransferringControllerToHost), bed.Transitions);
        Assert.Contains((RdmaRequestState.Completed, RdmaRequestState.Free), bed.Transitions);
    }

    [Fact]
    public void RequestProcess_single_sgl_write_goes_through_need_buffer_and_transferring_h2c_then_completing()
    {
        using var bed = Bed(out _);
        var host = Connect(bed);

        Assert.True(Send(bed, host, Write(host, 1, IoUnit)).IsSuccess);
        Assert.Contains((RdmaRequestState.New, RdmaRequestState.NeedBuffer), bed.Transitions);
        Assert.Contains((RdmaRequestState.DataTransferToControllerPending, RdmaRequestState.TransferringHostToController), bed.Transitions);
        Assert.Contains((RdmaRequestState.ReadyToComplete, RdmaRequestState.Completing), bed.Transitions);
    }

    [Fact]
    public void RequestProcess_single_icd_write_bypasses_need_buffer()
    {
        using var bed = Bed(out _);
        var host = Connect(bed);

        Assert.True(Send(bed, host, InCapsuleWrite(1, 0, 4096, 4096)).IsSuccess);
        Assert.Contains((RdmaRequestState.New, RdmaRequestState.ReadyToExecute), bed.Transitions);
    }

    [Fact]
    public void RequestProcess_bidirectional_opcode_is_invalid_opcode_and_never_executes()
    {
        using var bed = Bed(out var seen);
        var host = Connect(bed);
        var cmd = new NvmeCommand { Opcode = 0x03, Cid = 1, Nsid = 1, Dptr = host.Keyed(1, 512) }; // low bits 11: bidirectional

        Assert.Equal(NvmeStatus.InvalidOpcode, Send(bed, host, Capsule(cmd)));
        Assert.DoesNotContain(seen, s => s.Cid == 1);
    }

    [Fact]
    public void RequestFreeData_every_pooled_data_wr_returns_to_the_pool()
    {
        using var bed = Bed(out _);
        var host = Connect(bed);
        var pool = bed.Transport.DataWrs;

        Assert.True(Send(bed, host, ListWrite(host, 1, Enumerable.Repeat((uint)IoUnit, 16).ToArray())).IsSuccess);
        bed.RunFor(QuietNs);
        Assert.Equal(pool.Capacity, pool.Available);
    }

    [Fact]
    public void OptsInit_defaults_are_spdks()
    {
        var o = new TargetOptions();
        Assert.Equal((128, 128, 4096, 131_072, 8192, 4095, 4095), (o.MaxQueueDepth, o.MaxQpairsPerCtrlr, o.InCapsuleDataSize, o.MaxIoSize, o.IoUnitSize, o.NumSharedBuffers, o.DataWrPoolSize));
    }

    [Theory]
    [InlineData(1)] // part 2: one SGL of large_bufsize, one large buffer
    [InlineData(16)] // part 3: max_io_size of 16 large buffers, one WR of 16 SGEs
    public void ParseSgl_keyed_address_longer_than_small_bufsize_takes_large_buffers_one_sge_each(int units)
    {
        using var bed = LargeBed(out var seen, maxIoSize: units * LargeUnit);
        var host = Connect(bed, units * LargeUnit);

        Assert.True(Send(bed, host, Write(host, 1, (uint)(units * LargeUnit))).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(((uint)(units * LargeUnit), 1, units, units), (r.Length, r.NumWrs, r.Sges[0], r.Iovcnt));
        Assert.All(r.SgeLengths[0], l => Assert.Equal((uint)LargeUnit, l));
        Assert.Equal(bed.Transport.Buffers!.Small.Count, r.SmallAvailable); // nothing from the small pool
        bed.RunFor(QuietNs);
        Assert.Equal(bed.Transport.Buffers.Count, bed.Transport.Buffers.Available);
    }

    [Theory]
    [InlineData(1, 8 * IoUnit, 8 * IoUnit)] // part 2: 2 x 8 small units = one large buffer, one SGE per WR
    [InlineData(16, 8 * LargeUnit, 8 * LargeUnit)] // part 3: 2 x 8 large units = 16 large buffers, 8 SGEs per WR
    [InlineData(1, (15 * IoUnit) + (IoUnit / 2), IoUnit / 2)] // part 4: 15.5 + 0.5 small units = one large buffer
    [InlineData(16, (15 * LargeUnit) + (LargeUnit / 2), LargeUnit / 2)] // part 5: 15.5 + 0.5 large units = 16 large buffers
    public void ParseSgl_multi_sgl_longer_than_small_bufsize_takes_large_buffers_for_the_total(int iovs, int first, int second)
    {
        using var bed = LargeBed(out var seen, maxIoSize: iovs * LargeUnit);
        var host = Connect(bed, iovs * LargeUnit);

        Assert.True(Send(bed, host, ListWrite(host, 1, (uint)first, (uint)second)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(((uint)(first + second), 2, iovs), (r.Length, r.NumWrs, r.Iovcnt));
        Assert.Equal(host.Data.Address + (ulong)host.SlotBytes + (ulong)first, r.RemoteAddrs[1]);
        Assert.Equal((uint)first, r.SgeLengths[0].Aggregate(0u, (a, l) => a + l));
        Assert.Equal((uint)second, r.SgeLengths[1].Aggregate(0u, (a, l) => a + l));
        Assert.All(r.SgeLengths.SelectMany(l => l), l => Assert.True(l <= LargeUnit));
        Assert.Equal(((first + LargeUnit - 1) / LargeUnit, (second + LargeUnit - 1) / LargeUnit), (r.Sges[0], r.Sges[1])); // one SGE per large buffer touched
        bed.RunFor(QuietNs);
        Assert.Equal(bed.Transport.Buffers!.Count, bed.Transport.Buffers.Available);
    }

    [Fact]
    public void ParseSgl_multi_sgl_two_halves_of_a_small_buffer_take_one_small_buffer()
    {
        // rdma_ut.c "2 SGL descriptors, each length is transport buffer / 2": one buffer, each WR one SGE into it.
        using var bed = LargeBed(out var seen, maxIoSize: LargeUnit);
        var host = Connect(bed, LargeUnit);

        Assert.True(Send(bed, host, ListWrite(host, 1, IoUnit / 2, IoUnit / 2)).IsSuccess);
        var r = seen.Single(s => s.Cid == 1);
        Assert.Equal(((uint)IoUnit, 2, 1, bed.Transport.Buffers!.Small.Count - 1), (r.Length, r.NumWrs, r.Iovcnt, r.SmallAvailable));
        Assert.Equal(new[] { 1, 1 }, r.Sges);
        Assert.Equal(r.SgeAddrs[0][0] + (IoUnit / 2), r.SgeAddrs[1][0]);
    }

    private static TargetBed LargeBed(out List<Seen> seen, int maxIoSize)
    {
        var recorder = new Recorder();
        seen = recorder.Seen;
        var options = new TargetOptions
        {
            NumSharedBuffers = Math.Max(64, maxIoSize / IoUnit),
            IoUnitSize = IoUnit,
            MaxSendSge = 16,
            MaxIoSize = maxIoSize,
            LargePoolCount = 32,
            LargeBufsize = LargeUnit,
        };
        var bed = new TargetBed(options, handler: recorder);
        recorder.Transport = bed.Transport;
        return bed;
    }

    private static RawHost Connect(TargetBed bed, int slotBytes)
    {
        var host = bed.AddHost("h", 4, slotBytes);
        bed.Connect(host, qid: 1);
        return host;
    }

    private static TargetBed Bed(out List<Seen> seen)
    {
        var recorder = new Recorder();
        seen = recorder.Seen;
        var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 64, IoUnitSize = IoUnit, MaxSendSge = 16 }, handler: recorder);
        recorder.Transport = bed.Transport;
        return bed;
    }

    private static RawHost Connect(TargetBed bed)
    {
        var host = bed.AddHost("h", 8);
        bed.Connect(host, qid: 1);
        return host;
    }

    private static byte[] Write(RawHost host, ushort cid, uint length) =>
        Capsule(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Nlb = (ushort)Math.Max(0, (length / 4096) - 1), Dptr = host.Keyed(1, length) }.ToCommand());

    private static byte[] Read(RawHost host, ushort cid, uint length) =>
        Capsule(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = cid, Nsid = 1, Nlb = (ushort)Math.Max(0, (length / 4096) - 1), Dptr = host.Keyed(2, length) }.ToCommand());

    private static byte[] InCapsuleWrite(ushort cid, uint offset, uint length, int carried)
    {
        var capsule = new byte[64 + carried];
        new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Nlb = 0, Dptr = SglDescriptor.InCapsule(offset, length) }.ToCommand().Encode(capsule);
        return capsule;
    }

    /// <summary>A write described by a Last Segment / Offset list at byte 0, one keyed descriptor per length, back to back in slot 1.</summary>
    private static byte[] ListWrite(RawHost host, ushort cid, params uint[] lengths)
    {
        var capsule = new byte[64 + (lengths.Length * SglDescriptor.Size)];
        var total = lengths.Aggregate(0u, (a, l) => a + l);
        new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Nlb = (ushort)((total / 4096) - 1), Dptr = SglDescriptor.LastSegmentInCapsule(0, lengths.Length) }
            .ToCommand().Encode(capsule);
        ulong at = host.Data.Address + (ulong)host.SlotBytes;
        for (var i = 0; i < lengths.Length; i++)
        {
            SglDescriptor.Keyed(at, lengths[i], host.DataMr.Rkey).Encode(capsule.AsSpan(64 + (i * SglDescriptor.Size)));
            at += lengths[i];
        }

        return capsule;
    }

    private static byte[] Capsule(in NvmeCommand cmd)
    {
        var capsule = new byte[64];
        cmd.Encode(capsule);
        return capsule;
    }

    private static NvmeStatus Send(TargetBed bed, RawHost host, byte[] capsule)
    {
        var cid = BitConverter.ToUInt16(capsule, 2);
        Assert.Equal(0, host.SendCapsule(cid % host.Depth, capsule));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cid); }, $"the answer to CID {cid}");
        return host.Responses[cid].Status;
    }

    /// <summary>What a request looked like when the controller got it.</summary>
    private sealed record Seen(ushort Cid, uint Length, int NumWrs, int[] Sges, ulong[] RemoteAddrs, uint[] Rkeys, int DataWrsAvailable,
        uint[][] SgeLengths, ulong[][] SgeAddrs, int Iovcnt, int SmallAvailable);

    /// <summary>A <see cref="MemoryController"/> that records each I/O request's data WRs at execution.</summary>
    private sealed class Recorder : INvmfRequestHandler
    {
        private readonly MemoryController _inner = new();

        public List<Seen> Seen { get; } = new();

        public NvmfRdmaTransport? Transport { get; set; }

        public void Execute(INvmfRequest request)
        {
            NvmeCommand.TryDecode(request.Command, out var cmd);
            if (!cmd.IsFabrics && request is RdmaRequest r)
            {
                var wrs = Enumerable.Range(0, r.InCapsuleData ? 0 : r.NumWrs).Select(i => r.Wrs[i]!.Wr).ToArray();
                Seen.Add(new Seen(cmd.Cid, r.Length, wrs.Length, wrs.Select(w => w.NumSge).ToArray(), wrs.Select(w => w.RemoteAddr).ToArray(),
                    wrs.Select(w => w.Rkey).ToArray(), Transport!.DataWrs.Available,
                    wrs.Select(w => Enumerable.Range(0, w.NumSge).Select(i => w.SgList[i].Length).ToArray()).ToArray(),
                    wrs.Select(w => Enumerable.Range(0, w.NumSge).Select(i => w.SgList[i].Addr).ToArray()).ToArray(),
                    r.BufferCount, Transport.Buffers!.Small.Available));
            }

            _inner.Execute(request);
        }

        public void OnQpairDisconnect(INvmfQpair qpair) => _inner.OnQpairDisconnect(qpair);

        public int Poll(long nowNs) => _inner.Poll(nowNs);
    }
}
