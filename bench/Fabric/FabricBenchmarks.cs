using BenchmarkDotNet.Attributes;
using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Bench.Fabric;

/// <summary>
/// (a) The simulated NIC and fabric alone: one RC connection between two simulated hosts (the verbs tests'
/// <see cref="ConnectedPair"/>), no transport. One operation is a round trip of verbs work: the client posts a
/// signaled SEND of <see cref="Bytes"/> bytes that consumes a receive the server posted, or an RDMA WRITE / READ of
/// that size into the server's buffer, and both CQs are polled until the completions are back. The simulator's own
/// events per operation are fixed (printed by <see cref="Setup"/>); events per second = that count / time per operation.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
public class FabricBenchmarks
{
    /// <summary>Work requests each operation posts in one batch (and completes).</summary>
    public const int Batch = 32;

    private readonly WorkCompletion[] _wcs = new WorkCompletion[64];
    private ConnectedPair _pair = null!;
    private Func<bool> _done = null!;
    private int _outstanding;

    [Params(64, 4096)]
    public int Bytes { get; set; }

    [Params(WrOpcode.Send, WrOpcode.RdmaWrite, WrOpcode.RdmaRead)]
    public WrOpcode Op { get; set; }

    /// <summary>Simulator events one operation takes (measured once, deterministic).</summary>
    public long EventsPerOperation { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _pair = ConnectedPair.Create(new SimOptions { Seed = 1 }, sendWr: 2 * Batch, recvWr: 2 * Batch, cqEntries: 4 * Batch);
        _done = () =>
        {
            _outstanding -= Drain(_pair.Client.Cq);
            Drain(_pair.Server.Cq);
            return _outstanding == 0;
        };
        RoundTrip(); // warm: the first posts size the simulator's pools
        var before = _pair.Fabric.World.EventsProcessed;
        RoundTrip();
        EventsPerOperation = (_pair.Fabric.World.EventsProcessed - before) / Batch;
        Console.WriteLine($"// fabric {Op} {Bytes} B: {EventsPerOperation} simulator events per work request");
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    /// <summary><see cref="Batch"/> work requests posted, executed by the simulated NICs and completed.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void RoundTrip()
    {
        var client = _pair.Client;
        var server = _pair.Server;
        for (var i = 0; i < Batch; i++)
        {
            if (Op == WrOpcode.Send)
            {
                var recv = new RecvWorkRequest { WrId = (ulong)i, NumSge = 1 };
                recv.SgList[0] = new Sge(server.Buffer.Address + (ulong)(i * Bytes % ConnectedPair.BufferBytes), (uint)Bytes, server.Mr.Lkey);
                Require(server.Qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv), out _), "post_recv");
            }

            var wr = new SendWorkRequest { WrId = (ulong)i, Opcode = Op, Flags = SendFlags.Signaled, NumSge = 1 };
            var offset = (ulong)(i * Bytes % ConnectedPair.BufferBytes);
            wr.SgList[0] = new Sge(client.Buffer.Address + offset, (uint)Bytes, client.Mr.Lkey);
            wr.RemoteAddr = server.Buffer.Address + offset;
            wr.Rkey = server.Mr.Rkey;
            Require(client.Qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _), "post_send");
        }

        _outstanding = Batch;
        _pair.Fabric.Run(_pair.Fabric.World.NowNs + 1_000_000_000, _done);
        if (_outstanding != 0)
        {
            throw new InvalidOperationException($"{_outstanding} work requests did not complete");
        }
    }

    private int Drain(ICompletionQueue cq)
    {
        var total = 0;
        int n;
        while ((n = cq.Poll(_wcs)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                if (_wcs[i].Status != WcStatus.Success)
                {
                    throw new InvalidOperationException($"completion failed: {_wcs[i].Status.ToVerbsString()}");
                }
            }

            total += n;
        }

        return total;
    }

    private static void Require(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"{call} failed: {Errno.Name(rc)}");
        }
    }
}
