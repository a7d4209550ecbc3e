using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Random sequences of {submit, fault, CM event disturbance, qpair disconnect/reconnect, controller reset}, ending in
/// a controller delete, run by the host against the real target on the simulated fabric (the target's invariants are
/// checked after every event). Whatever the sequence: every command completes exactly once, the delete finishes in
/// bounded virtual time, every CM event is acked, and nothing is left on either side.
/// </summary>
public sealed class HostSequenceProperties
{
    /// <summary>Virtual time of one step.</summary>
    private const long StepNs = 40_000;

    /// <summary>When the first step runs (the controller and its qpairs are normally up by then).</summary>
    private const long FirstStepNs = 1_000_000;

    private const int StepsMax = 14;
    private const int QpairsMax = 3;
    private const int BlocksMax = 8;
    private const long DeleteLimitNs = 30_000_000_000;
    private const long SlowCqWindowNs = 10_000_000;

    [HarnessProperty(MaxTest = 25)]
    public Property Any_sequence_of_submits_faults_cm_disturbances_and_resets_completes_every_command_once_and_leaks_nothing()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from qpairs in Gen.Choose(1, QpairsMax)
            from queueSize in Gen.Choose(4, 16)
            from readDepth in Gen.Elements((byte)2, (byte)16)
            from steps in Gen.ListOf(Step(qpairs)).Select(l => l.Take(StepsMax).ToArray())
            select new Case(seed, qpairs, queueSize, readDepth, steps);
        return Prop.ForAll(Arb.From(gen), Check);
    }

    private static Gen<HostStep> Step(int qpairs)
    {
        var q = Gen.Choose(0, qpairs - 1);
        var ordinal = Gen.Choose(0, qpairs); // QP ordinal on its host: 0 is the admin qpair's
        var side = Gen.Elements("host", "target");
        var submit =
            from qq in q
            from write in Gen.Elements(true, false)
            from blocks in Gen.Choose(1, BlocksMax)
            from count in Gen.Choose(1, 8)
            select (HostStep)new SubmitStep(qq, write, blocks, count);
        var wcError =
            from s in side
            from o in ordinal
            from kind in Gen.Elements(WrKind.RdmaRead, WrKind.RdmaRead, WrKind.Send, WrKind.RdmaWrite)
            from nth in Gen.Choose(1, 20)
            from status in Gen.Elements(WcStatus.RetryExcErr, WcStatus.RemAccessErr, WcStatus.RnrRetryExcErr, WcStatus.LocLenErr)
            select (HostStep)new WcErrorStep(s, o, kind, nth, status);
        var others = Gen.OneOf(
            from s in side from o in ordinal select (HostStep)new ForceQpErrorStep(s, o),
            from s in side from o in ordinal select (HostStep)new DisconnectStep(s, o),
            from s in side
            from type in Gen.Elements(CmEventType.Disconnected, CmEventType.TimewaitExit, CmEventType.Established)
            from nth in Gen.Choose(1, 4)
            from delayUs in Gen.Choose(1, 3_000)
            select (HostStep)new DelayCmEventStep(s, type, nth, delayUs * 1_000L),
            from delayUs in Gen.Choose(100, 6_000) select (HostStep)new SlowCqStep(delayUs * 1_000L),
            from qq in q select (HostStep)new QpairDisconnectStep(qq),
            from qq in q select (HostStep)new QpairReconnectStep(qq),
            Gen.Constant((HostStep)new ResetStep()),
            from us in Gen.Choose(10, 2_000) select (HostStep)new WaitStep(us * 1_000L));
        return Gen.Frequency((4, submit), (2, wcError), (3, others));
    }

    private static void Check(Case c)
    {
        var preemption = new DeterministicRandom((ulong)c.Seed);
        var hook = new AdminPreemption(preemption);
        using var bed = new TargetStackBed((ulong)c.Seed, Groups(c), c.FaultPlan(), configureHost: o => o with
        {
            ResponderResourcesMax = c.ReadDepth, // 2: writes of more than 2 blocks post their READs in parts
            AdminPollPeriodNs = 10_000_000, // as bdev_nvme polls the admin queue
            Interleaving = hook,
        });
        hook.Controller = bed.Controller;
        var tracker = new IoTracker();
        var buffers = Enumerable.Range(0, c.Qpairs).Select(_ => bed.Buffer(c.QueueSize * BlocksMax * 4096)).ToArray();
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State is ControllerState.Ready or ControllerState.Failed, $"controller ready or failed ({c})");
        var qps = bed.Controller.State == ControllerState.Ready
            ? Enumerable.Range(0, c.Qpairs).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % bed.Groups.Length], c.QueueSize)).ToArray()
            : [];
        var times = c.StepTimes();
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var at = times[i];
            bed.RunUntil(() => bed.Fabric.World.NowNs >= at || bed.Fabric.World.NextEventTimeNs is not long next || next > at, $"step {i} ({c})");
            Act(c.Steps[i], qps, buffers, tracker);
        }

        bed.Controller.Delete();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Deleted, $"controller deleted ({c})", DeleteLimitNs);
        Assert.False(bed.Controller.TeardownTimedOut, $"the delete timed out ({c})");
        Assert.True(tracker.Outstanding == 0, $"{tracker.Outstanding} of {tracker.Submitted} command(s) never completed ({c})");
        Assert.True(bed.Controller.CmEventsGot == bed.Controller.CmEventsAcked, $"{bed.Controller.CmEventsGot} CM events got, {bed.Controller.CmEventsAcked} acked ({c})");
        bed.DeleteAll();
        bed.RunUntil(() => bed.Nvmf.Controllers.Count == 0 && bed.Transport.Qpairs.All(q => q.Destroyed), $"target torn down ({c})");
        Assert.True(Leaks(bed) is null, $"left behind: {Leaks(bed)} ({c})");
    }

    private static void Act(HostStep step, NvmeRdmaQpair[] qps, Harness.Transport.Verbs.DmaBuffer[] buffers, IoTracker tracker)
    {
        if (qps.Length == 0)
        {
            return; // the controller never got ready: only faults (in the plan) and the delete remain
        }

        switch (step)
        {
            case SubmitStep s:
                Submit(qps[s.Qpair], buffers[s.Qpair], s, tracker);
                break;
            case QpairDisconnectStep s:
                qps[s.Qpair].Disconnect();
                break;
            case QpairReconnectStep s:
                qps[s.Qpair].Reconnect();
                break;
            case ResetStep:
                qps[0].Controller.Reset();
                break;
        }
    }

    /// <summary>Up to <c>Count</c> commands while the qpair accepts them (not running or full: the rest is not submitted).</summary>
    private static void Submit(NvmeRdmaQpair qpair, Harness.Transport.Verbs.DmaBuffer buffer, SubmitStep s, IoTracker tracker)
    {
        for (var i = 0; i < s.Count; i++)
        {
            var ctx = tracker.Track();
            var slot = (int)((long)ctx % (buffer.Length / (BlocksMax * 4096)));
            var offset = slot * BlocksMax * 4096;
            var lba = (ulong)((long)ctx * BlocksMax);
            var rc = s.Write
                ? qpair.SubmitWrite(1, lba, s.Blocks, buffer, offset, tracker.Callback, ctx)
                : qpair.SubmitRead(1, lba, s.Blocks, buffer, offset, tracker.Callback, ctx);
            if (rc != Errno.Ok)
            {
                tracker.Untrack(ctx);
                Assert.True(rc is Errno.EAGAIN or Errno.ENOTCONN, $"{qpair}: submit failed with {Errno.Name(rc)}");
                return;
            }
        }
    }

    private static int Groups(Case c) => Math.Min(c.Qpairs, 2);

    private static string? Leaks(TargetStackBed bed)
    {
        var host = bed.HostMachine;
        var cm = (SimCm)host.Cm;
        var leaks = new List<string>();
        if (host.AllQps.Any(q => !q.Destroyed))
        {
            leaks.Add("host QPs");
        }

        if (cm.Ids.Any(i => !i.Destroyed) || cm.Ids.Sum(i => i.UnackedEvents) > 0)
        {
            leaks.Add("host CM ids/events");
        }

        if (host.Device.Mrs.Count > 0 || ((SimMemory)host.Memory).AllocatedBuffers > 0)
        {
            leaks.Add("host MRs/buffers");
        }

        if (bed.Transport.Buffers is { } pool && pool.Available != pool.Count)
        {
            leaks.Add("target data buffers");
        }

        return leaks.Count == 0 ? null : string.Join(", ", leaks);
    }

    /// <summary>One generated case: printed as the counterexample.</summary>
    private sealed record Case(int Seed, int Qpairs, int QueueSize, byte ReadDepth, HostStep[] Steps)
    {
        public FaultPlan FaultPlan()
        {
            var faults = new List<ScriptedFault>();
            var times = StepTimes();
            for (var i = 0; i < Steps.Length; i++)
            {
                var at = times[i];
                ScriptedFault? fault = Steps[i] switch
                {
                    ForceQpErrorStep s => new ForceQpErrorFault(new QpSelector(s.Side, s.Qp), at),
                    DisconnectStep s => new DisconnectFault(new QpSelector(s.Side, s.Qp), at),
                    WcErrorStep s => new WcErrorFault(new QpSelector(s.Side, s.Qp), s.Kind, s.Nth, s.Status),
                    DelayCmEventStep s => new DelayCmEventFault(s.Side, s.Type, s.Nth, s.DelayNs),
                    SlowCqStep s => new DelayCqFault("host", 1 + (i % Groups(this)), s.DelayNs, at, at + SlowCqWindowNs),
                    _ => null,
                };
                if (fault != null)
                {
                    faults.Add(fault);
                }
            }

            return Harness.Sim.Faults.FaultPlan.Of([.. faults]);
        }

        /// <summary>When each step runs: one step apart, a wait step adding its time to the ones after it.</summary>
        public long[] StepTimes()
        {
            var times = new long[Steps.Length];
            var at = FirstStepNs;
            for (var i = 0; i < Steps.Length; i++)
            {
                times[i] = at;
                at += StepNs + (Steps[i] is WaitStep w ? w.Ns : 0);
            }

            return times;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"seed {Seed}, {Qpairs} qpair(s) of {QueueSize}, read depth {ReadDepth}, steps every {StepNs / 1e3:0} µs from {FirstStepNs / 1e6:0} ms: [{string.Join("; ", Steps.Select(s => s.ToString()))}]");
    }

    /// <summary>
    /// Where a destroying thread could lose the CPU, the admin thread runs (half the time, seeded): with the fix it
    /// cannot get the controller lock; with lingering-without-ctrlr-lock it parks a late event the destroy never acks.
    /// </summary>
    private sealed class AdminPreemption(DeterministicRandom random) : IHostInterleaving
    {
        public NvmeRdmaController? Controller { get; set; }

        public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
        {
            if (qpair.Qid != 0 && random.Chance(0.5))
            {
                Controller?.ProcessAdminCompletions();
            }
        }
    }

    private abstract record HostStep;

    private sealed record SubmitStep(int Qpair, bool Write, int Blocks, int Count) : HostStep;

    private sealed record ForceQpErrorStep(string Side, int Qp) : HostStep;

    private sealed record DisconnectStep(string Side, int Qp) : HostStep;

    private sealed record WcErrorStep(string Side, int Qp, WrKind Kind, int Nth, WcStatus Status) : HostStep;

    private sealed record DelayCmEventStep(string Side, CmEventType Type, int Nth, long DelayNs) : HostStep;

    /// <summary>The host's I/O completions of one poll group are written late for a while (its qpairs linger).</summary>
    private sealed record SlowCqStep(long DelayNs) : HostStep;

    private sealed record QpairDisconnectStep(int Qpair) : HostStep;

    private sealed record QpairReconnectStep(int Qpair) : HostStep;

    private sealed record ResetStep : HostStep;

    private sealed record WaitStep(long Ns) : HostStep;
}
