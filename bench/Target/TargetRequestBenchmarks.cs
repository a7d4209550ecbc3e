using BenchmarkDotNet.Attributes;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Bench.Target;

/// <summary>
/// (c) The target's request state machine (SPDK's 16 states) per command, without the host transport: a verbs-only
/// host (the target tests' <see cref="RawHost"/>) posts command capsules straight onto its QP and re-posts each slot when
/// its response arrives, and the target (<see cref="TargetBed"/>: the transport with the tests' in-memory controller)
/// takes every command from NEW through its data transfer and execution to COMPLETED and FREE. The simulated NIC's work
/// for the command's WRs is included (its per-WR cost alone: <c>FabricBenchmarks</c>); no invariant oracle runs.
/// One operation is one command; <see cref="Setup"/> prints the state transitions per command.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
public class TargetRequestBenchmarks
{
    public const int Depth = 32;

    private TargetBed _bed = null!;
    private RawHost _host = null!;
    private Func<bool> _allAnswered = null!;

    [Params(NvmeIoOpcode.Read, NvmeIoOpcode.Write)]
    public NvmeIoOpcode Opcode { get; set; }

    [Params(4096, 32768)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bed = new TargetBed(new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096 });
        _host = _bed.AddHost("host", Depth + 1, slotBytes: 32768);
        _bed.Connect(_host, qid: 1, readDepth: 16);
        _allAnswered = () =>
        {
            _host.PollCq();
            return _host.Responses.Count == Depth + 1; // and the Fabrics Connect's (cid 0)
        };
        Commands(); // warm
        var steps = _bed.Transitions.Count;
        Console.WriteLine($"// target {Opcode} {Bytes} B: distinct state transitions seen {steps}");
    }

    [GlobalCleanup]
    public void Cleanup() => _bed.Dispose();

    /// <summary><see cref="Depth"/> commands in flight together (cids 1..Depth), each through the whole state machine.</summary>
    [Benchmark(OperationsPerInvoke = Depth)]
    public void Commands()
    {
        for (var cid = (ushort)1; cid <= Depth; cid++)
        {
            var cmd = new ReadWriteCommand
            {
                Opcode = Opcode,
                Cid = cid,
                Nsid = 1,
                Slba = (ulong)(cid * 8),
                Nlb = (ushort)((Bytes / 4096) - 1),
                Dptr = _host.Keyed(cid, (uint)Bytes),
            }.ToCommand();
            if (_host.Submit(cmd) != Errno.Ok) // also forgets the cid's previous response
            {
                throw new InvalidOperationException("post of a command capsule failed");
            }
        }

        _bed.Fabric.Run(_bed.Fabric.World.NowNs + 1_000_000_000, _allAnswered);
        if (_host.Responses.Count != Depth + 1)
        {
            throw new InvalidOperationException($"{_host.Responses.Count - 1} of {Depth} responses");
        }
    }
}
