using FsCheck;
using FsCheck.Fluent;
using Harness.Sim.Scenarios;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// FsCheck generators of failure sequences (issue 5): a workload of writes and reads whose sizes need 1..12 data WRs
/// (a multi-block I/O is a descriptor list of one keyed descriptor per block, as SPDK's host sends a scattered payload),
/// at a queue depth and read depth that split large writes, interleaved with faults at arbitrary points (QPs forced to
/// ERR, disconnects, async events, device removal, controller reset) and WR-level faults (the Nth READ, WRITE, SEND or
/// RECV of a QP completing with RETRY_EXC_ERR, REM_ACCESS_ERR, RNR_RETRY_EXC_ERR or LOC_LEN_ERR; lost packets; late CM
/// events; block-device errors and late completions below the target's controller), with the target's SRQ, the NIC's
/// provider and the in-capsule data size drawn too, sometimes with a buffer pool small enough to run out. The value is a plain <see cref="Scenario"/>, so a
/// counterexample prints as a file <c>harness replay</c> runs; <see cref="Shrink"/> makes it minimal.
/// </summary>
public static class FailureSequences
{
    /// <summary>Commands in a generated sequence at most.</summary>
    public const int CommandsMax = 10;

    /// <summary>Scripted WR-level faults at most.</summary>
    public const int FaultsMax = 2;

    /// <summary>Largest transfer in blocks (one data WR each with the default target options).</summary>
    public const int BlocksMax = 12;

    /// <summary>
    /// The least in-capsule data size: room for 16 descriptors, the floor SPDK HEAD's nvmf_rdma_create raises
    /// in_capsule_data_size to (rdma.c:2553-2558) so that MSDBD 16 works. No 4 KiB block fits, so every write's data is
    /// still fetched by RDMA READ, as with no in-capsule data at all.
    /// </summary>
    public const int InCapsuleFloorBytes = 256;

    /// <summary>LBAs the workload touches (small, so writes and reads overlap).</summary>
    public const int LbasMax = 16;

    private static readonly string[] WcStatuses = { "IBV_WC_RETRY_EXC_ERR", "IBV_WC_RETRY_EXC_ERR", "IBV_WC_RETRY_EXC_ERR", "IBV_WC_REM_ACCESS_ERR", "IBV_WC_RNR_RETRY_EXC_ERR", "IBV_WC_LOC_LEN_ERR" };
    private static readonly string[] AsyncEvents = { "IBV_EVENT_QP_FATAL", "IBV_EVENT_QP_FATAL", "IBV_EVENT_QP_LAST_WQE_REACHED", "IBV_EVENT_QP_REQ_ERR", "IBV_EVENT_SQ_DRAINED",
        "IBV_EVENT_QP_ACCESS_ERR", "IBV_EVENT_COMM_EST", "IBV_EVENT_PATH_MIG", "IBV_EVENT_PATH_MIG_ERR" };
    private static readonly string[] ControllerStatuses = { "unrecovered-read-error", "write-fault", "internal-error" };

    // Up to past a reset's or a disconnect's teardown: a command still EXECUTING when its qpair goes.
    private static readonly long[] ControllerDelays = { 20_000L, 500_000L, 5_000_000L, 20_000_000L };
    private static readonly string[] CmEvents = { "RDMA_CM_EVENT_DISCONNECTED", "RDMA_CM_EVENT_ESTABLISHED", "RDMA_CM_EVENT_TIMEWAIT_EXIT" };
    // Up to 10 ms: the host polls its admin queue every 10 ms (bdev_nvme's period), so a reset's reconnects happen there.
    private static readonly long[] Waits = { 1_000, 2_000, 4_000, 8_000, 20_000, 100_000, 1_000_000, 10_000_000 };

    /// <summary>Any failure sequence.</summary>
    public static Gen<Scenario> Any { get; } =
        from seed in Gen.Choose(1, 1_000_000)
        from qpairs in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Constant(2)))
        from depth in Gen.Choose(2, 8)
        from readDepth in Gen.Elements(1, 2, 2, 4, 16)
        from srq in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        from buffers in Gen.Frequency((4, Gen.Constant(256)), (1, Gen.Constant(32)))
        from rxe in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from inCapsule in Gen.Frequency((4, Gen.Constant(InCapsuleFloorBytes)), (1, Gen.Constant(4096)), (1, Gen.Constant(8192)))
        from commands in Gen.Choose(1, CommandsMax).SelectMany(n => Gen.ArrayOf(Command(qpairs), n))
        from faults in Gen.Choose(0, FaultsMax).SelectMany(n => Gen.ArrayOf(Fault(qpairs), n))
        select New((ulong)seed, new ScenarioTopology
        {
            Qpairs = qpairs,
            QueueDepth = depth,
            ReadDepth = readDepth,
            Srq = srq ? true : null,
            Provider = rxe ? "rxe" : null,
            Target = new ScenarioTargetOptions { NumSharedBuffers = buffers, InCapsuleDataSize = inCapsule },
        }, commands, faults);

    /// <summary>The FsCheck arbitrary: <see cref="Any"/> with <see cref="Shrink"/>.</summary>
    public static Arbitrary<Scenario> Arbitrary(Gen<Scenario>? gen = null) => Arb.From(gen ?? Any, Shrink);

    /// <summary>A must-pass scenario of a generated sequence.</summary>
    public static Scenario New(ulong seed, ScenarioTopology topology, IReadOnlyList<ScenarioCommand> commands, IReadOnlyList<FaultSpec> faults)
    {
        var s = new Scenario
        {
            Name = "failure-sequence",
            Seed = seed,
            Topology = topology,
            Commands = commands,
            Faults = faults.Count == 0 ? null : faults,
        };
        return s with { Description = ScenarioText.Describe(s) };
    }

    /// <summary>Steps of a sequence: mostly I/O, with faults at arbitrary points between them.</summary>
    public static Gen<ScenarioCommand> Command(int qpairs) => Gen.Frequency(
        (6, from q in Gen.Choose(1, qpairs) from lba in Gen.Choose(0, LbasMax - 1) from b in Gen.Choose(1, BlocksMax) select (ScenarioCommand)new WriteCommand(q, lba, b) { Iovecs = IovecsOf(b) }),
        (3, from q in Gen.Choose(1, qpairs) from lba in Gen.Choose(0, LbasMax - 1) from b in Gen.Choose(1, BlocksMax) select (ScenarioCommand)new ReadCommand(q, lba, b) { Iovecs = IovecsOf(b) }),
        (4, from ns in Gen.Elements(Waits) select (ScenarioCommand)new WaitCommand(ns)),
        (1, Gen.Constant((ScenarioCommand)new SettleCommand())),
        (2, from qp in Qp(qpairs) select (ScenarioCommand)new ForceQpErrorCommand(qp)),
        (1, from qp in Qp(qpairs) select (ScenarioCommand)new DisconnectCommand(qp)),
        (1, from qp in Qp(qpairs) from e in Gen.Elements(AsyncEvents) select (ScenarioCommand)new AsyncEventCommand(qp, e)),
        (1, from side in Gen.Elements("host", "target") select (ScenarioCommand)new DeviceRemovalCommand(side)),
        (1, Gen.Constant((ScenarioCommand)new ResetCommand())),
        (1, Gen.Constant((ScenarioCommand)new DeleteControllerCommand())),
        (1, from q in Gen.Choose(1, qpairs) select (ScenarioCommand)new ReconnectCommand(q)));

    /// <summary>
    /// Faults of the plan: the Nth WR of a kind on a QP fails, loses packets, a CM event is late, a post call fails at a
    /// WR of its chain, or the host's Nth connect is rejected as a stale connection.
    /// </summary>
    public static Gen<FaultSpec> Fault(int qpairs) => Gen.Frequency(
        (6, from qp in TargetQp(qpairs)
            from wr in Gen.Elements("rdma-read", "rdma-read", "rdma-read", "rdma-write", "send", "recv")
            from nth in Gen.Choose(1, 10)
            from status in Gen.Elements(WcStatuses)
            select (FaultSpec)new WcErrorSpec(qp, wr, nth, status)),
        (1, from qp in Qp(qpairs)
            from wr in Gen.Elements("rdma-read", "send")
            from nth in Gen.Choose(1, 10)
            from drops in Gen.Choose(1, 9)
            select (FaultSpec)new PacketDropSpec(qp, wr, nth, drops)),
        (1, from host in Gen.Elements("target", "host")
            from e in Gen.Elements(CmEvents)
            from nth in Gen.Choose(1, 3)
            from delay in Gen.Elements(10_000L, 200_000L, 2_000_000L)
            select (FaultSpec)new DelayCmEventSpec(host, e, nth, delay)),
        (1, from qp in Qp(qpairs)
            from queue in Gen.Elements("send", "send", "recv")
            from nth in Gen.Choose(1, 12)
            from wr in Gen.Choose(0, 4)
            from errno in Gen.Elements("ENOMEM", "ENOMEM", "EINVAL")
            select (FaultSpec)new PostErrorSpec(qp, queue, nth, wr, errno)),
        (1, from nth in Gen.Choose(1, 4)
            select (FaultSpec)new StaleConnRejectSpec("host", nth)),
        (1, from op in Gen.Elements("read", "write", "any")
            from nth in Gen.Choose(1, 6)
            from status in Gen.Elements(ControllerStatuses)
            select (FaultSpec)new ControllerErrorSpec(op, nth, status, null)),
        (1, from op in Gen.Elements("read", "write", "any")
            from nth in Gen.Choose(1, 6)
            from delay in Gen.Elements(ControllerDelays)
            select (FaultSpec)new ControllerDelaySpec(op, nth, delay, null)));

    private static Gen<string> TargetQp(int qpairs) => from q in Gen.Choose(1, qpairs) select $"target/{q}";

    private static Gen<string> Qp(int qpairs) =>
        from host in Gen.Frequency((3, Gen.Constant("target")), (1, Gen.Constant("host")))
        from q in Gen.Frequency((6, Gen.Choose(1, qpairs)), (1, Gen.Constant(0)))
        select $"{host}/{q}";

    /// <summary>Steps and faults of <paramref name="s"/> (the shrunk length).</summary>
    public static int Length(Scenario s) => (s.Commands?.Count ?? 0) + (s.Faults?.Count ?? 0);

    /// <summary>
    /// Smaller variants, most promising first: fewer faults, fewer commands (halves, then one at a time), earlier faults
    /// (smaller Nth), smaller transfers and shorter waits, then a simpler topology and seed.
    /// </summary>
    public static IEnumerable<Scenario> Shrink(Scenario s)
    {
        var commands = s.Commands ?? Array.Empty<ScenarioCommand>();
        var faults = s.Faults ?? Array.Empty<FaultSpec>();
        for (var i = 0; i < faults.Count; i++)
        {
            yield return With(s, commands, Without(faults, i));
        }

        if (commands.Count > 2)
        {
            yield return With(s, commands.Take(commands.Count / 2).ToArray(), faults);
            yield return With(s, commands.Skip(commands.Count / 2).ToArray(), faults);
        }

        for (var i = commands.Count - 1; i >= 0 && commands.Count > 1; i--)
        {
            yield return With(s, Without(commands, i), faults);
        }

        for (var i = 0; i < faults.Count; i++)
        {
            foreach (var smaller in Smaller(faults[i]))
            {
                yield return With(s, commands, Replace(faults, i, smaller));
            }
        }

        for (var i = 0; i < commands.Count; i++)
        {
            foreach (var smaller in Smaller(commands[i]))
            {
                yield return With(s, Replace(commands, i, smaller), faults);
            }
        }

        foreach (var simpler in Simpler(s))
        {
            yield return simpler;
        }
    }

    private static IEnumerable<Scenario> Simpler(Scenario s)
    {
        var t = s.EffectiveTopology;
        if (t.Srq == true)
        {
            yield return Rebuild(s, t with { Srq = null });
        }

        if (t.Target?.InCapsuleDataSize is > InCapsuleFloorBytes)
        {
            yield return Rebuild(s, t with { Target = t.Target with { InCapsuleDataSize = InCapsuleFloorBytes } });
        }

        if (t.Target?.NumSharedBuffers is int b && b != 256)
        {
            yield return Rebuild(s, t with { Target = t.Target with { NumSharedBuffers = 256 } });
        }

        if (t.Depth > 2)
        {
            yield return Rebuild(s, t with { QueueDepth = t.Depth - 1 });
        }

        if (t.QpairCount > 1 && (s.Commands ?? Array.Empty<ScenarioCommand>()).All(c => c is not (WriteCommand { Qpair: > 1 } or ReadCommand { Qpair: > 1 } or ReconnectCommand { Qpair: > 1 })) &&
            !ScenarioFile.ToJson(s with { Commands = null, Random = new RandomWorkload() }).Contains("/2\"", StringComparison.Ordinal))
        {
            yield return Rebuild(s, t with { Qpairs = 1 });
        }

        if (s.EffectiveSeed != 1)
        {
            yield return Rebuild(s with { Seed = 1 }, t);
        }
    }

    /// <summary>
    /// Iovecs of a <paramref name="blocks"/>-block I/O: one per block, so a multi-block I/O is a descriptor list with one
    /// RDMA READ (write) or WRITE (read) per block — SPDK HEAD's only source of several data WRs for one request.
    /// </summary>
    public static int? IovecsOf(int blocks) => blocks > 1 ? blocks : null;

    private static IEnumerable<ScenarioCommand> Smaller(ScenarioCommand c) => c switch
    {
        WriteCommand w => SmallerIo(w.Lba, w.Blocks).Select(x => (ScenarioCommand)new WriteCommand(w.Qpair, x.Lba, x.Blocks) { Iovecs = IovecsOf(x.Blocks) })
            .Concat(w.Qpair > 1 ? new[] { (ScenarioCommand)(w with { Qpair = 1 }) } : Array.Empty<ScenarioCommand>()),
        ReadCommand r => SmallerIo(r.Lba, r.Blocks).Select(x => (ScenarioCommand)new ReadCommand(r.Qpair, x.Lba, x.Blocks) { Iovecs = IovecsOf(x.Blocks) })
            .Concat(r.Qpair > 1 ? new[] { (ScenarioCommand)(r with { Qpair = 1 }) } : Array.Empty<ScenarioCommand>()),
        WaitCommand w => Waits.Where(x => x < w.Ns).Select(x => (ScenarioCommand)new WaitCommand(x)),
        _ => Array.Empty<ScenarioCommand>(),
    };

    private static IEnumerable<(long Lba, int Blocks)> SmallerIo(long lba, int blocks)
    {
        foreach (var b in new[] { 1, blocks / 2, blocks - 1 }.Where(b => b >= 1 && b < blocks).Distinct())
        {
            yield return (lba, b);
        }

        if (lba != 0)
        {
            yield return (0, blocks);
        }
    }

    private static IEnumerable<FaultSpec> Smaller(FaultSpec f) => f switch
    {
        WcErrorSpec e => SmallerNth(e.Nth).Select(n => (FaultSpec)(e with { Nth = n }))
            .Concat(e.Status != "IBV_WC_RETRY_EXC_ERR" ? new[] { (FaultSpec)(e with { Status = "IBV_WC_RETRY_EXC_ERR" }) } : Array.Empty<FaultSpec>()),
        PacketDropSpec p => SmallerNth(p.Nth).Select(n => (FaultSpec)(p with { Nth = n })),
        DelayCmEventSpec d => SmallerNth(d.Nth).Select(n => (FaultSpec)(d with { Nth = n })),
        PostErrorSpec p => SmallerNth(p.Nth).Select(n => (FaultSpec)(p with { Nth = n })),
        ControllerErrorSpec c => SmallerNth(c.Nth).Select(n => (FaultSpec)(c with { Nth = n })),
        ControllerDelaySpec c => SmallerNth(c.Nth).Select(n => (FaultSpec)(c with { Nth = n }))
            .Concat(ControllerDelays.Where(d => d < c.DelayNs).Select(d => (FaultSpec)(c with { DelayNs = d }))),
        _ => Array.Empty<FaultSpec>(),
    };

    private static IEnumerable<int> SmallerNth(int nth) => new[] { 1, nth / 2, nth - 1 }.Where(n => n >= 1 && n < nth).Distinct();

    private static Scenario With(Scenario s, IReadOnlyList<ScenarioCommand> commands, IReadOnlyList<FaultSpec> faults) =>
        New(s.EffectiveSeed, s.EffectiveTopology, commands, faults) with { Defects = s.Defects, Expect = s.Expect };

    private static Scenario Rebuild(Scenario s, ScenarioTopology t) =>
        New(s.EffectiveSeed, t, s.Commands ?? Array.Empty<ScenarioCommand>(), s.Faults ?? Array.Empty<FaultSpec>()) with { Defects = s.Defects, Expect = s.Expect };

    private static T[] Without<T>(IReadOnlyList<T> list, int index) => list.Where((_, i) => i != index).ToArray();

    private static T[] Replace<T>(IReadOnlyList<T> list, int index, T value) => list.Select((x, i) => i == index ? value : x).ToArray();
}
