using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>The target transport end to end on the simulated fabric, with every invariant checked after every event.</summary>
public sealed class TargetEndToEndTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(128)]
    public void Writes_then_reads_return_the_written_data_at_queue_depth(int depth)
    {
        using var bed = new TargetBed();
        var host = bed.AddHost("host", depth);
        bed.Connect(host, qid: 1);
        // 4 KiB buffers, one SGE per WR: each block is one RDMA READ/WRITE. At depth 1 the send queue holds 4 WRs,
        // so a read may use at most 3 WRITEs + the response.
        var blocks = depth == 1 ? 3 : 4;
        var length = (uint)(blocks * MemoryController.BlockBytes);
        for (var i = 0; i < depth; i++)
        {
            var cid = (ushort)(i + 1);
            host.Slot(cid % depth, (int)length).Fill((byte)(i + 7));
            var write = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Slba = (ulong)(i * blocks), Nlb = (ushort)(blocks - 1), Dptr = host.Keyed(cid % depth, length) };
            Assert.Equal(0, host.Submit(write.ToCommand()));
        }

        bed.RunUntil(() => { host.PollCq(); return Enumerable.Range(1, depth).All(c => host.Responses.ContainsKey((ushort)c)); }, "write responses");
        Assert.All(host.Responses.Where(r => r.Key != 0), r => Assert.True(r.Value.Status.IsSuccess, $"write CID {r.Key}: {r.Value}"));

        for (var i = 0; i < depth; i++)
        {
            var cid = (ushort)(1000 + i);
            host.Slot(cid % depth, (int)length).Clear();
            var read = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = cid, Nsid = 1, Slba = (ulong)(i * blocks), Nlb = (ushort)(blocks - 1), Dptr = host.Keyed(cid % depth, length) };
            Assert.Equal(0, host.Submit(read.ToCommand()));
            bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cid); }, $"read {cid}");
            Assert.True(host.Responses[cid].Status.IsSuccess, host.Responses[cid].ToString());
            Assert.True(host.Slot(cid % depth, (int)length).ToArray().All(b => b == (byte)(i + 7)), $"read of LBA {i * blocks} returned other data");
        }

        Assert.Empty(host.FailedWcs);
        Assert.True(bed.CheckedSteps > 0);
    }

    [Fact]
    public void A_read_needing_more_writes_than_the_send_queue_holds_fails_with_an_nvme_error_instead_of_hanging()
    {
        using var bed = new TargetBed();
        var host = bed.AddHost("host", 1); // negotiated depth 2: send depth 4
        bed.Connect(host, qid: 1);
        const uint length = 4 * MemoryController.BlockBytes;
        var read = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 5, Nsid = 1, Slba = 0, Nlb = 3 };
        Assert.Equal(0, host.SubmitDescriptorList(read.ToCommand(), 0, length, 4)); // 4 WRITEs + the response
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(5); }, "read response");
        Assert.Equal(NvmeStatus.DataSglLengthInvalid.ToStatusField(), host.Responses[5].Status.ToStatusField());

        // The same 4 blocks under one keyed SGL are one RDMA WRITE of 4 SGEs (SPDK HEAD never splits it): it fits.
        var keyed = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 6, Nsid = 1, Slba = 0, Nlb = 3, Dptr = host.Keyed(0, length) };
        Assert.Equal(0, host.Submit(keyed.ToCommand()));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(6); }, "keyed read response");
        Assert.True(host.Responses[6].Status.IsSuccess, host.Responses[6].ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Two_connections_write_and_read_back_with_and_without_a_shared_receive_queue(bool useSrq)
    {
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 256, IoUnitSize = 4096, MaxSendSge = 2, UseSrq = useSrq, MaxSrqDepth = 64 });
        var hosts = new[] { bed.AddHost("a", 16), bed.AddHost("b", 16) };
        foreach (var h in hosts)
        {
            bed.Connect(h, qid: 1);
        }

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < hosts.Length; i++)
            {
                var h = hosts[i];
                for (ushort cid = 1; cid <= 16; cid++)
                {
                    var lba = (ulong)((i * 1000) + (cid * 4));
                    h.Slot(cid % 16, 8192).Fill((byte)(cid + i + round));
                    Assert.Equal(0, h.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = (ushort)(cid + (round * 100)), Nsid = 1, Slba = lba, Nlb = 1, Dptr = h.Keyed(cid % 16, 8192) }.ToCommand()));
                }
            }

            bed.RunUntil(() => hosts.All(h => { h.PollCq(); return h.Responses.Count(r => r.Key > round * 100 && r.Key <= (round * 100) + 16) == 16; }), $"round {round} writes");
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            var h = hosts[i];
            h.Slot(0, 8192).Clear();
            Assert.Equal(0, h.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 999, Nsid = 1, Slba = (ulong)((i * 1000) + 4), Nlb = 1, Dptr = h.Keyed(0, 8192) }.ToCommand()));
            bed.RunUntil(() => { h.PollCq(); return h.Responses.ContainsKey(999); }, "read back");
            Assert.True(h.Slot(0, 8192).ToArray().All(b => b == (byte)(1 + i + 2)), $"host {i} read back other data");
        }

        Assert.All(hosts, h => Assert.Empty(h.FailedWcs));
        Assert.All(hosts, h => Assert.All(h.Responses.Values, r => Assert.True(r.Status.IsSuccess, r.ToString())));
    }
}
