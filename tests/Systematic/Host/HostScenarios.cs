using Harness.Sim.Faults;
using Harness.Tests.Systematic.Coyote;
using Harness.Tests.Systematic.Specifications;
using Harness.Transport.Host;
using Harness.Transport.Target;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Harness.Tests.Systematic.Host;

/// <summary>
/// The host scenarios Coyote explores, one schedule per call. Each is also a <c>coyote test</c> entry point
/// (<see cref="TestAttribute"/>; known defects from HARNESS_DEFECT) for long nightly explorations (docs/systematic.md).
/// The oracles: the transport's own always-on checks (any exception on any thread), the target invariants after every
/// fabric step, the <see cref="DisconnectsFinish"/> and <see cref="CommandsComplete"/> monitors, Coyote's deadlock
/// detection, and at the end every CM event acked and nothing leaked.
/// </summary>
public static class HostScenarios
{
    /// <summary>Simulator seeds a schedule picks from (Coyote's choice, so a trace replays it): CM event orders differ.</summary>
    public const int FabricSeeds = 4;

    /// <summary>Longest a scenario waits (in scheduling points of its own) before it acts: Coyote picks when.</summary>
    public const int TriggerDelayMax = 40;

    /// <summary>Delay bound of the disconnect-racing-connect scenario: a connect is a few rounds, so the window is early.</summary>
    public const int ConnectRaceDelayMax = 8;

    /// <summary>The host's first rdma_connect rejected as stale in <see cref="StaleReconnectRacingEventPolling()"/> (1 is the admin qpair's).</summary>
    public const int StaleConnectFirst = 2;

    /// <summary>I/O qpairs of the stale-reconnect scenario, one per poll group: each one's first connect is rejected as stale.</summary>
    public const int StaleQpairs = 2;

    /// <summary>(b) Controller deletion on the admin thread racing CM event polling on I/O threads (SPDK #3347's shape).</summary>
    [Test]
    public static Task ControllerDeletionRacingEventPolling() => ControllerDeletionRacingEventPolling(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="ControllerDeletionRacingEventPolling()"/>
    public static async Task ControllerDeletionRacingEventPolling(KnownDefects defects)
    {
        using var bed = NewBed(defects);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(4));
        bed.StartIo(qpairs, budget: 4);
        var race = bed.Race(() => bed.Controller.State == ControllerState.Deleted && bed.Loads.All(l => l.Outstanding == 0));
        await ScheduleSteps.Delay(TriggerDelayMax);
        bed.Request(bed.Controller.Delete);
        await race;
        Finish(bed);
    }

    /// <summary>
    /// (a) Two poll-group threads and the admin thread share the controller's CM channel while qpairs disconnect (some
    /// asked by the host, some by the target: Coyote picks which and when), linger until their flushed WRs are back, and
    /// are destroyed. Every disconnect must finish, every event be acked once, every command complete.
    /// </summary>
    [Test]
    public static Task SharedChannelDisconnects() => SharedChannelDisconnects(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="SharedChannelDisconnects()"/>
    public static async Task SharedChannelDisconnects(KnownDefects defects)
    {
        using var bed = NewBed(defects);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(4));
        bed.StartIo(qpairs, budget: 4);
        var race = bed.Race(() => qpairs.All(q => q.State == NvmeRdmaQpairState.Exited) && bed.Loads.All(l => l.Outstanding == 0));
        var choice = Generator.Create();
        foreach (var qpair in qpairs)
        {
            await ScheduleSteps.Delay(TriggerDelayMax);
            if (choice.NextBoolean())
            {
                bed.Request(qpair.Disconnect);
            }
            else
            {
                bed.DisconnectOnTarget(qpair.Qid); // the target's rdma_disconnect: the host sees an unsolicited DISCONNECTED
            }
        }

        await race;
        Finish(bed);
    }

    /// <summary>
    /// (c) A controller reset racing I/O submission and completion on the poll-group threads: every qpair is
    /// disconnected (its commands aborted), the admin qpair reconnects, the controller is enabled again and every I/O
    /// qpair reconnects, while the loads keep submitting whenever their qpair runs. Every command completes exactly once.
    /// </summary>
    [Test]
    public static Task ControllerResetRacingIo() => ControllerResetRacingIo(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="ControllerResetRacingIo()"/>
    public static async Task ControllerResetRacingIo(KnownDefects defects)
    {
        using var bed = NewBed(defects);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(4));
        bed.StartIo(qpairs, budget: 8);
        var race = bed.Race(() => bed.Controller.Resets == 1 && bed.Controller.State == ControllerState.Ready &&
            qpairs.All(q => q.State == NvmeRdmaQpairState.Running) && bed.Loads.All(l => l.Outstanding == 0 && l.Budget == 0));
        await ScheduleSteps.Delay(TriggerDelayMax);
        bed.Request(bed.Controller.Reset);
        await race;
        Finish(bed);
    }

    /// <summary>
    /// A disconnect racing the connect it follows: new I/O qpairs are asked to disconnect at a moment Coyote picks,
    /// before, during or after their connect. The later request wins: each must end disconnected (EXITED, or never
    /// connected), none may end up RUNNING, and every CM event of the attempt must be acked. (Found by this exploration:
    /// a disconnect asked before the connect started was dropped and the qpair connected anyway.)
    /// </summary>
    [Test]
    public static Task DisconnectRacingConnect() => DisconnectRacingConnect(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="DisconnectRacingConnect()"/>
    public static async Task DisconnectRacingConnect(KnownDefects defects)
    {
        using var bed = NewBed(defects);
        ScheduleSteps.Suppressed(() => bed.Connect(0));
        var qpairs = bed.Groups.Select(g => bed.Controller.CreateIoQpair(g, HostRaceBed.IoQueueSize)).ToArray();
        foreach (var (qpair, i) in qpairs.Select((q, i) => (q, i)))
        {
            bed.Watchers[1 + i].Watch(qpair);
        }

        var race = bed.Race(() => qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid && q.CmId == null));
        foreach (var qpair in qpairs)
        {
            await ScheduleSteps.Delay(ConnectRaceDelayMax);
            bed.Request(qpair.Disconnect);
        }

        await race;
        Finish(bed);
    }

    /// <summary>
    /// Stale connections (docs/findings/010): the target's CM rejects the first connect of each new I/O qpair (two, one
    /// per poll group) as stale (IB_CM_REJ_STALE_CONN), so each disconnects, destroys its id and QP, and after the retry
    /// delay connects again from its poll group, while the admin thread and the other qpair's connect drain the
    /// controller's shared CM channel under the lock. Goal: the reconnect holds the controller lock from
    /// rdma_resolve_addr to nvme_rdma_process_event_start (where Coyote may preempt the connecting thread:
    /// <see cref="CoyoteInterleaving"/>), so no other thread can park the new id's ADDR_RESOLVED in the slot where the
    /// reconnect takes it for a leftover: every qpair must run, none may wait for an event already consumed (HEAD,
    /// switch <c>stale-reconnect-without-ctrlr-lock</c>: with timeouts out of reach, a hang Coyote reports as a deadlock).
    /// </summary>
    [Test]
    public static Task StaleReconnectRacingEventPolling() => StaleReconnectRacingEventPolling(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="StaleReconnectRacingEventPolling()"/>
    public static async Task StaleReconnectRacingEventPolling(KnownDefects defects)
    {
        // rdma_connect #1 is the admin qpair's (setup); the next ones are the first connects of the I/O qpairs, in the
        // order Coyote lets them run: all rejected as stale.
        var stale = Enumerable.Range(StaleConnectFirst, StaleQpairs).Select(n => (ScriptedFault)new StaleConnFault("host", n)).ToArray();
        using var bed = NewBed(defects, stale);
        ScheduleSteps.Suppressed(() => bed.Connect(0));
        var qpairs = Enumerable.Range(0, StaleQpairs).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % bed.Groups.Length], HostRaceBed.IoQueueSize)).ToArray();
        for (var i = 0; i < qpairs.Length; i++)
        {
            bed.Watchers[1 + (i % bed.Groups.Length)].Watch(qpairs[i]);
        }

        await bed.Race(() => qpairs.All(q => q.State is NvmeRdmaQpairState.Running or NvmeRdmaQpairState.Exited));
        foreach (var qpair in qpairs)
        {
            Specification.Assert(qpair.State == NvmeRdmaQpairState.Running && qpair.CmEventTimeouts == 0,
                "{0} ended {1} after {2} connect attempt(s), {3} CM event timeout(s): its reconnect lost an event", qpair, qpair.State, qpair.ConnectAttempts, qpair.CmEventTimeouts);
        }

        Specification.Assert(qpairs.Sum(q => q.ConnectAttempts) == 2 * qpairs.Length, "not every qpair was rejected as stale once and reconnected: {0} attempts",
            qpairs.Sum(q => q.ConnectAttempts));
        Finish(bed);
    }

    private static HostRaceBed NewBed(KnownDefects defects, params ScriptedFault[] faults)
    {
        Specification.RegisterMonitor<DisconnectsFinish>();
        Specification.RegisterMonitor<CommandsComplete>();
        var seed = ScheduleSteps.FabricSeed(FabricSeeds);
        var bed = new HostRaceBed(seed, defects, groups: 2, faults);
        LastSchedule.Register(bed.Describe);
        return bed;
    }

    /// <summary>After the race: everything acked, the controller deleted, nothing left on the host or the target.</summary>
    private static void Finish(HostRaceBed bed)
    {
        Specification.Assert(bed.Controller.CmEventsGot == bed.Controller.CmEventsAcked, "{0} CM events got, {1} acked", bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
        ScheduleSteps.Suppressed(bed.DeleteInline);

        var leaks = bed.HostLeaks();
        Specification.Assert(leaks == null, "host leaked: {0}", leaks);
        Specification.Assert(bed.Target.Buffers!.Available == bed.Target.Buffers.Count, "target buffers not all returned");
    }
}
