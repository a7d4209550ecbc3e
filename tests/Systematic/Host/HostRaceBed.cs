using System.Net;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Tests.Systematic.Coyote;
using Harness.Transport.Host;
using Harness.Transport.Nvmf;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Systematic.Host;

/// <summary>
/// The host transport under Coyote: an <see cref="NvmeRdmaController"/> whose admin thread and poll groups each run on
/// their own controlled task, against the real target stack (<see cref="NvmfRdmaTransport"/> + <see cref="NvmfTarget"/>)
/// on the simulated fabric in threaded mode. The fabric and the target run together on one more task (the NIC and the
/// far side are not under test: their order is the simulator's, seeded). Timeouts are out of reach, since virtual time
/// only moves when the fabric's task steps: what matters is the order of the threads, which Coyote chooses.
/// </summary>
public sealed class HostRaceBed : IDisposable
{
    /// <summary>Rounds the single-threaded setup may take before it is declared stuck.</summary>
    public const int SetupRoundsMax = 200_000;

    /// <summary>Target poll rounds per fabric step (the target polls until idle; this bounds a runaway poller).</summary>
    public const int TargetRoundsPerStepMax = 64;

    /// <summary>I/O queue size of the scenarios' qpairs: small, so a few commands fill a queue.</summary>
    public const int IoQueueSize = 8;

    /// <summary>
    /// Work completions a poll group reaps per batch. SPDK reaps 32 from queues 128 deep, so a flushed qpair's WRs take
    /// several rounds to come back (and it lingers meanwhile); with 8-deep queues, batches of 4 keep that proportion.
    /// </summary>
    public const int CompletionsPerPoll = 4;

    /// <summary>
    /// Host poll-group completions become visible this long after the NIC writes them (CQ moderation, a busy PCIe
    /// link): longer than the CM's event latency, so a flushed qpair can see DISCONNECTED before its flushed WRs and
    /// linger, as qpairs with deep queues do in the field. (Admin CQ 0 is not delayed; CQs 1 and 2 are the groups'.)
    /// </summary>
    public const long CompletionVisibleAfterNs = 50_000;

    /// <summary>How often a ready controller's admin queue is polled: bdev_nvme's default (nvme_adminq_poll_period_us = 10 ms).</summary>
    public const long AdminPollPeriodNs = 10_000_000;

    private const long FarAwayNs = long.MaxValue / 4;
    private readonly ThreadReactorRuntime _targetReactors = new(meetingPoints: null); // the target runs inside the fabric's step
    private readonly List<Action> _worldActions = new();
    private readonly Lock _worldActionsGate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly List<DmaBuffer> _buffers = new();
    private readonly CommandIds _ids = new();
    private readonly IdleClock _idle;
    private bool _racing;

    /// <summary>
    /// A race bed; <paramref name="extraFaults"/> are scripted next to the delayed poll-group CQs (e.g. stale-connection
    /// rejects). A connect during the race may be preempted after rdma_resolve_addr (<see cref="CoyoteInterleaving"/>).
    /// </summary>
    public HostRaceBed(ulong seed, KnownDefects defects, int groups, params ScriptedFault[] extraFaults)
    {
        var faults = FaultPlan.Of([
            new DelayCqFault("host", Cq: 1, DelayNs: CompletionVisibleAfterNs, FromNs: 0, UntilNs: long.MaxValue),
            new DelayCqFault("host", Cq: 2, DelayNs: CompletionVisibleAfterNs, FromNs: 0, UntilNs: long.MaxValue),
            .. extraFaults]);
        Fabric = new SimFabric(new SimOptions { Seed = seed, Faults = faults }, threading: SimThreading.Threaded);
        _idle = new IdleClock(Fabric.World);
        ScheduleSteps.WorldGate = Fabric.World.Gate;
        var targetMachine = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        HostMachine = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var transportOptions = new TargetOptions { MaxQueueDepth = 32, NumSharedBuffers = 256, ExecutionLatencyNs = 0, Defects = defects };
        Nvmf = new NvmfTarget(NvmfTargetOptions.ForTransport(transportOptions), targetMachine.Clock);
        Target = new NvmfRdmaTransport(targetMachine, transportOptions, Nvmf);
        Target.Start(_targetReactors, 1, new IPEndPoint(targetMachine.Address, 4420));
        Options = RaceOptions(defects) with { Interleaving = new CoyoteInterleaving(Epoch, () => Fabric.World.NowNs, () => _racing, raceThreads: groups + 2) }; // admin, groups, fabric
        AdminReactor = new ThreadReactor("admin", CoyoteInterleaving.Instance);
        GroupReactors = Enumerable.Range(0, groups).Select(i => new ThreadReactor($"io{i}", CoyoteInterleaving.Instance)).ToArray();
        Groups = GroupReactors.Select(r => new NvmeRdmaPollGroup(r, Options)).ToArray();
        Controller = new NvmeRdmaController(HostMachine, AdminReactor, new IPEndPoint(targetMachine.Address, 4420), Options);
        Watchers = GroupReactors.Prepend(AdminReactor).Select(_ => new QpairWatcher()).ToArray();
        Watchers[0].Watch(Controller.AdminQpair);
    }

    public SimFabric Fabric { get; }

    public SimHost HostMachine { get; }

    public NvmfTarget Nvmf { get; }

    public NvmfRdmaTransport Target { get; }

    public HostOptions Options { get; }

    public ThreadReactor AdminReactor { get; }

    public ThreadReactor[] GroupReactors { get; }

    public NvmeRdmaPollGroup[] Groups { get; }

    public NvmeRdmaController Controller { get; }

    /// <summary>One watcher per host thread: [0] admin, [1..] the poll groups.</summary>
    public QpairWatcher[] Watchers { get; }

    public List<IoLoad> Loads { get; } = new();

    public ProgressEpoch Epoch { get; } = new();

    /// <summary>Host options of a race: the known defects asked for, no timeouts, the Coyote preemption hook.</summary>
    public static HostOptions RaceOptions(KnownDefects defects) => new()
    {
        Defects = defects,
        CmEventTimeoutNs = FarAwayNs,
        LingeringTimeoutNs = FarAwayNs,
        AdminTimeoutNs = FarAwayNs,
        IoTimeoutNs = FarAwayNs,
        ControllerTeardownTimeoutNs = FarAwayNs,
        KeepAliveTimeoutMs = 0,
        AdminPollPeriodNs = AdminPollPeriodNs,
        IoQueueSize = IoQueueSize,
        CompletionsPerPollMax = CompletionsPerPoll,
        Interleaving = CoyoteInterleaving.Instance,
        MeetingPoints = CoyoteInterleaving.Instance,
    };

    /// <summary>Single-threaded: the controller becomes ready and <paramref name="qpairs"/> I/O qpairs run, round-robin over the groups.</summary>
    public NvmeRdmaQpair[] Connect(int qpairs)
    {
        Controller.Start();
        RunInline(() => Controller.State == ControllerState.Ready, "controller ready");
        var created = Enumerable.Range(0, qpairs).Select(i => Controller.CreateIoQpair(Groups[i % Groups.Length], IoQueueSize)).ToArray();
        for (var i = 0; i < created.Length; i++)
        {
            Watchers[1 + (i % Groups.Length)].Watch(created[i]);
        }

        RunInline(() => created.All(q => q.State == NvmeRdmaQpairState.Running), "I/O qpairs running");
        return created;
    }

    /// <summary>Adds an I/O load of <paramref name="budget"/> commands per group, on each group's thread.</summary>
    public void StartIo(NvmeRdmaQpair[] qpairs, long budget)
    {
        for (var g = 0; g < Groups.Length; g++)
        {
            var mine = qpairs.Where(q => ReferenceEquals(q.PollGroup, Groups[g])).ToArray();
            var buffer = HostMachine.Memory.Allocate(IoLoad.Blocks * (int)Controller.BlockSize);
            _buffers.Add(buffer);
            var load = new IoLoad(_ids, mine, buffer, budget);
            Loads.Add(load);
            GroupReactors[g].AddPoller(load);
        }
    }

    /// <summary>
    /// The race: the admin thread, each poll group and the fabric (with the target) on their own controlled tasks,
    /// until <paramref name="done"/> holds (checked by the fabric's task). The watchers run after each host round.
    /// </summary>
    public async Task Race(Func<bool> done)
    {
        var hostReactors = GroupReactors.Prepend(AdminReactor).ToArray();
        for (var i = 0; i < hostReactors.Length; i++)
        {
            hostReactors[i].AddPoller(Watchers[i]);
        }

        _racing = true;
        var tasks = hostReactors.Select(r => RaceLoop.Start(r.Name, Epoch, () => HostRound(r))).ToList();
        tasks.Add(RaceLoop.Start("fabric+target", Epoch, () => FabricRound(done)));
        await Task.WhenAll(tasks.ToArray()); // an array: the params-span overload is not controlled by Coyote 1.7.11
        _racing = false;
        RemoveWatchers(hostReactors);
    }

    /// <summary>Runs <paramref name="action"/> on the fabric's task (the target is not thread-safe: only that task touches it).</summary>
    public void OnFabricThread(Action action)
    {
        lock (_worldActionsGate)
        {
            _worldActions.Add(action);
        }

        Epoch.Progress();
    }

    /// <summary>The target disconnects its side of host qpair <paramref name="qid"/> (on the fabric's task).</summary>
    public void DisconnectOnTarget(ushort qid) => OnFabricThread(() =>
    {
        foreach (var qpair in Target.Qpairs)
        {
            if (qpair.Qid == qid && !qpair.Destroyed)
            {
                Target.DisconnectQpair(qpair);
            }
        }
    });

    /// <summary>
    /// Runs a request from the scenario's own thread (delete, reset, disconnect: they only set flags the owners act on)
    /// and wakes the race's threads, which may all be asleep waiting for progress.
    /// </summary>
    public void Request(Action request)
    {
        request();
        Epoch.Progress();
    }

    /// <summary>
    /// Single-threaded: steps the fabric, polls the target and every host reactor until <paramref name="done"/>; fails
    /// when nothing is left to do or after <see cref="SetupRoundsMax"/> rounds.
    /// </summary>
    public void RunInline(Func<bool> done, string what)
    {
        var idle = 0;
        for (var round = 0; round < SetupRoundsMax; round++)
        {
            var work = GroupReactors.Prepend(AdminReactor).Sum(r => r.PollOnce());
            if (done())
            {
                return;
            }

            if (work > 0)
            {
                _idle.Reset(); // the host is getting somewhere (e.g. a deletion stepping at the admin poll period): time may pass again
            }

            idle = FabricStep() || work > 0 ? 0 : idle + 1;
            if (idle >= RaceLoop.IdleRoundsBeforeWait)
            {
                throw new InvalidOperationException($"{what}: nothing left to do, and it did not happen. {Describe()}");
            }
        }

        throw new InvalidOperationException($"{what} did not happen within {SetupRoundsMax} rounds. {Describe()}");
    }

    /// <summary>Single-threaded teardown: delete the controller (if the scenario did not), wait for the target to let go.</summary>
    public void DeleteInline()
    {
        Controller.Delete();
        RunInline(() => Controller.State == ControllerState.Deleted, "controller deleted");
        RunInline(() => Target.Qpairs.All(q => q.Destroyed), "target qpairs destroyed");
        foreach (var group in Groups)
        {
            group.Dispose();
        }

        _buffers.ForEach(b => HostMachine.Memory.Free(b));
        _buffers.Clear();
    }

    /// <summary>What the host left behind in the simulator (QPs, CM ids, unacked events, MRs, buffers), or null.</summary>
    public string? HostLeaks()
    {
        var cm = (SimCm)HostMachine.Cm;
        var leaks = new List<string>();
        Add(HostMachine.AllQps.Count(q => !q.Destroyed), "QP(s) not destroyed");
        Add(cm.Ids.Count(i => !i.Destroyed), "CM id(s) not destroyed");
        Add(cm.Ids.Sum(i => i.UnackedEvents), "CM event(s) got and never acked");
        Add(HostMachine.Device.Mrs.Count, "memory region(s) registered");
        Add(((SimMemory)HostMachine.Memory).AllocatedBuffers - _buffers.Count, "DMA buffer(s) not freed");
        return leaks.Count == 0 ? null : string.Join("; ", leaks);

        void Add(int n, string what)
        {
            if (n != 0)
            {
                leaks.Add($"{n} {what}");
            }
        }
    }

    /// <summary>The host's state in one paragraph, for failure messages: controller, qpairs, parked events, ids still waiting.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.Append($"At virtual time {Fabric.World.NowNs} ns, {Fabric.World.Pending} fabric event(s) pending; {Controller}; ");
        foreach (var q in Controller.IoQpairs.Prepend(Controller.AdminQpair))
        {
            text.Append($"{q}{(q.IsFreed ? " freed" : string.Empty)}{(q.Evt is { } ev ? $" with {ev.EventType.ToVerbsString()} parked (acked: {ev.Acked})" : string.Empty)}; ");
        }

        var cm = (SimCm)HostMachine.Cm;
        foreach (var id in cm.Ids.Where(i => i.UnackedEvents > 0))
        {
            text.Append($"CM id {id} has {id.UnackedEvents} event(s) got and not acked{(id.Destroyed ? string.Empty : " (rdma_destroy_id would wait for them)")}; ");
        }

        text.Append($"{Controller.Events.PendingCount} event(s) on the pending list, {((SimCmEventChannel)Controller.Events.Channel).ReadyCount} on the channel; threads waiting for progress: {Epoch.Sleepers}");
        return text.ToString();
    }

    public void Dispose() => Fabric.Dispose();

    private Round HostRound(ThreadReactor reactor)
    {
        var contended = Controller.Lock.Contended;
        var scheduled = Fabric.World.EventsScheduled;
        // A round that made the world busier (posted, connected, disconnected) is work even if its pollers said idle:
        // the sleeping fabric must hear of it (as TargetRaceBed's rounds).
        var worked = reactor.PollOnce() > 0 || Fabric.World.EventsScheduled != scheduled;
        if (worked)
        {
            _idle.Reset(); // host progress without a fabric event (e.g. a deletion stepping at the admin poll period): time may pass again
        }

        return worked ? Round.Work : Controller.Lock.Contended != contended ? Round.Retry : Round.Idle; // refused the lock: again soon
    }

    private bool FabricRound(Func<bool> done)
    {
        ScheduleSteps.MeetingPoint(); // the NIC and the far side take one step at a time: the race's threads may run between any two
        var acted = RunFabricActions();
        if (done())
        {
            Epoch.Stop();
            return false;
        }

        return FabricStep(acted) || acted;
    }

    /// <summary>
    /// One fabric event, then the target polls until idle; target invariants after that, unless nothing happened (no
    /// event, no target work, no action run on this task: <paramref name="acted"/>).
    /// </summary>
    private bool FabricStep(bool acted = false)
    {
        var stepped = Fabric.World.Step();
        var ticked = _idle.TakeFired();
        var work = 0;
        for (var i = 0; i < TargetRoundsPerStepMax; i++)
        {
            var round = 0;
            foreach (var reactor in _targetReactors.Reactors)
            {
                round += reactor.PollOnce();
            }

            work += round;
            if (round == 0)
            {
                break;
            }
        }

        if (stepped || work > 0 || acted)
        {
            TargetInvariants.CheckAll(Target); // only the fabric's task touches the target: unchanged after an empty step
        }

        if (work > 0 || (stepped && !ticked))
        {
            _idle.Reset();
            return true;
        }

        return ticked || _idle.TryAdvance(); // idle: let virtual time pass, a little (see IdleClock)
    }

    private bool RunFabricActions()
    {
        Action[] actions;
        lock (_worldActionsGate)
        {
            actions = _worldActions.ToArray();
            _worldActions.Clear();
        }

        foreach (var action in actions)
        {
            action();
        }

        return actions.Length > 0;
    }

    private void RemoveWatchers(ThreadReactor[] reactors)
    {
        for (var i = 0; i < reactors.Length; i++)
        {
            reactors[i].RemovePoller(Watchers[i]);
        }
    }
}
