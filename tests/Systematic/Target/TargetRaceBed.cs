using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Tests.Systematic.Coyote;
using Harness.Tests.Systematic.Host;
using Harness.Tests.Systematic.Specifications;
using Harness.Transport.Host;
using Harness.Transport.Nvmf;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;
using Microsoft.Coyote.Specifications;

namespace Harness.Tests.Systematic.Target;

/// <summary>
/// The target transport under Coyote: <see cref="NvmfRdmaTransport"/>'s acceptor (CM and async events) and each poll
/// group on their own controlled task, as SPDK runs them on separate reactors, behind the real controller layer
/// (<see cref="NvmfTarget"/>, thread-safe by its own lock). The host (the real host transport, all its reactors) and
/// the fabric run together on one more task. Each poll group checks its qpairs' invariants after every round on its
/// own thread; every destroyed qpair is checked for leaks; <see cref="DisconnectsFinish"/> watches every target
/// disconnect through to the qpair's destruction.
/// </summary>
public sealed class TargetRaceBed : IDisposable, ITargetObserver
{
    /// <summary>Rounds the single-threaded setup may take before it is declared stuck.</summary>
    public const int SetupRoundsMax = 200_000;

    /// <summary>Host poll rounds per fabric step (the host polls until idle; this bounds a runaway poller).</summary>
    public const int HostRoundsPerStepMax = 64;

    private readonly ThreadReactorRuntime _targetReactors = new(CoyoteInterleaving.Instance);
    private readonly ThreadReactor[] _hostReactors;
    private readonly List<DmaBuffer> _buffers = new();
    private readonly CommandIds _ids = new();
    private readonly IdleClock _idle;
    private readonly Lock _watchGate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly HashSet<RdmaQpair> _disconnecting = new();
    private readonly Action<RdmaQpair>? _destroying;

    /// <summary>
    /// A race bed; <paramref name="destroying"/>, when given, runs as each target qpair is destroyed (on the destroying
    /// thread, after the leak check): a test's mutation of the destroy.
    /// </summary>
    public TargetRaceBed(ulong seed, TargetOptions targetOptions, FaultPlan? faults = null, int hostGroups = 2,
        Harness.Sim.Nic.SimProvider provider = Harness.Sim.Nic.SimProvider.Mlx5, Action<RdmaQpair>? destroying = null)
    {
        _destroying = destroying;
        Fabric = new SimFabric(new SimOptions { Seed = seed, Faults = faults ?? FaultPlan.None, Provider = provider }, threading: SimThreading.Threaded);
        _idle = new IdleClock(Fabric.World);
        ScheduleSteps.WorldGate = Fabric.World.Gate;
        var targetMachine = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        HostMachine = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        Nvmf = new NvmfTarget(NvmfTargetOptions.ForTransport(targetOptions), targetMachine.Clock);
        Target = new NvmfRdmaTransport(targetMachine, targetOptions with { MeetingPoints = CoyoteInterleaving.Instance }, Nvmf, this);
        Target.Start(_targetReactors, 2, new IPEndPoint(targetMachine.Address, 4420));
        var hostOptions = HostRaceBed.RaceOptions(KnownDefects.None) with { Interleaving = null, MeetingPoints = null }; // the host runs on the fabric's task: one step
        var admin = new ThreadReactor("host.admin", meetingPoints: null); // the host runs on the fabric's task: one step
        var groupReactors = Enumerable.Range(0, hostGroups).Select(i => new ThreadReactor($"host.io{i}", meetingPoints: null)).ToArray();
        _hostReactors = groupReactors.Prepend(admin).ToArray();
        Groups = groupReactors.Select(r => new NvmeRdmaPollGroup(r, hostOptions)).ToArray();
        Controller = new NvmeRdmaController(HostMachine, admin, new IPEndPoint(targetMachine.Address, 4420), hostOptions);
    }

    public SimFabric Fabric { get; }

    public SimHost HostMachine { get; }

    public NvmfTarget Nvmf { get; }

    public NvmfRdmaTransport Target { get; }

    public NvmeRdmaPollGroup[] Groups { get; }

    public NvmeRdmaController Controller { get; }

    public List<IoLoad> Loads { get; } = new();

    public ProgressEpoch Epoch { get; } = new();

    /// <summary>Target qpairs destroyed so far.</summary>
    public int Destroyed { get; private set; }

    /// <summary>The target's acceptor reactor and its poll groups' reactors.</summary>
    public IReadOnlyList<ThreadReactor> TargetReactors => _targetReactors.Reactors;

    /// <summary>Single-threaded: the host's controller becomes ready and <paramref name="qpairs"/> I/O qpairs run.</summary>
    public NvmeRdmaQpair[] Connect(int qpairs, int queueSize = HostRaceBed.IoQueueSize)
    {
        Controller.Start();
        RunInline(() => Controller.State == ControllerState.Ready, "controller ready");
        var created = Enumerable.Range(0, qpairs).Select(i => Controller.CreateIoQpair(Groups[i % Groups.Length], queueSize)).ToArray();
        RunInline(() => created.All(q => q.State == NvmeRdmaQpairState.Running), "I/O qpairs running");
        return created;
    }

    /// <summary>Host I/O on every group (polled with the fabric): <paramref name="budget"/> commands per group.</summary>
    public void StartIo(NvmeRdmaQpair[] qpairs, long budget, int blocks = IoLoad.Blocks, bool writesOnly = false, int iovecs = 1)
    {
        for (var g = 0; g < Groups.Length; g++)
        {
            var mine = qpairs.Where(q => ReferenceEquals(q.PollGroup, Groups[g])).ToArray();
            var buffer = HostMachine.Memory.Allocate(blocks * (int)Controller.BlockSize);
            _buffers.Add(buffer);
            var load = new IoLoad(_ids, mine, buffer, budget, blocks, writesOnly, iovecs);
            Loads.Add(load);
            _hostReactors[1 + g].AddPoller(load);
        }
    }

    /// <summary>The race: the acceptor and each target poll group on their own task, the fabric with the host on one more, until <paramref name="done"/>.</summary>
    public async Task Race(Func<bool> done)
    {
        var tasks = _targetReactors.Reactors.Select(r => RaceLoop.Start(r.Name, Epoch, () => TargetRound(r))).ToList();
        tasks.Add(RaceLoop.Start("fabric+host", Epoch, () => FabricRound(done)));
        await Task.WhenAll(tasks.ToArray()); // an array: the params-span overload is not controlled by Coyote 1.7.11
    }

    /// <summary>
    /// Runs a request from the scenario's own thread (delete, reset, disconnect: they only set flags the owners act on)
    /// and wakes the race's threads, which may all be asleep waiting for progress.
    /// </summary>
    public void Request(Action request)
    {
        request();
        Epoch.Progress();
    }

    /// <summary>Single-threaded: steps the fabric, polls host and target until <paramref name="done"/>.</summary>
    public void RunInline(Func<bool> done, string what)
    {
        var idle = 0;
        for (var round = 0; round < SetupRoundsMax; round++)
        {
            var work = _targetReactors.Reactors.Sum(r => TargetRound(r) ? 1 : 0);
            if (done())
            {
                return;
            }

            idle = FabricStep() || work > 0 ? 0 : idle + 1;
            if (idle >= RaceLoop.IdleRoundsBeforeWait)
            {
                throw new InvalidOperationException($"{what}: nothing left to do, and it did not happen. {Describe()}");
            }
        }

        throw new InvalidOperationException($"{what} did not happen within {SetupRoundsMax} rounds. {Describe()}");
    }

    /// <summary>Single-threaded teardown: the host deletes its controller; the target must destroy every qpair.</summary>
    public void DeleteInline()
    {
        Controller.Delete();
        RunInline(() => Controller.State == ControllerState.Deleted, "host controller deleted");
        RunInline(() => Target.Qpairs.All(q => q.Destroyed), "target qpairs destroyed");
        foreach (var group in Groups)
        {
            group.Dispose();
        }

        _buffers.ForEach(b => HostMachine.Memory.Free(b));
        _buffers.Clear();
    }

    /// <summary>The target's state in one paragraph, for failure messages.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder($"At virtual time {Fabric.World.NowNs} ns, {Fabric.World.Pending} fabric event(s) pending (next at {Fabric.World.NextEventTimeNs?.ToString() ?? "none"} ns); host {Controller}; ");
        foreach (var q in Target.Qpairs.Where(q => !q.Destroyed))
        {
            text.Append($"target {q}: {q.GenericState}, to_close {q.ToClose}, in error {q.IbvInErrorState}, queue_depth {q.QueueDepth}, send depth {q.CurrentSendDepth}, " +
                $"recv depth {q.CurrentRecvDepth}/{q.MaxQueueDepth}, executing {q.Executing}; ");
        }

        foreach (var q in Controller.IoQpairs)
        {
            text.Append($"host {q}: {q.Outstanding} outstanding, failure {q.FailureReason}; ");
        }

        foreach (var load in Loads)
        {
            text.Append($"host load: {load.Outstanding} outstanding, {load.Budget} to submit; ");
        }

        text.Append($"buffers free {Target.Buffers?.Available}/{Target.Buffers?.Count}; threads waiting for progress: {Epoch.Sleepers}");
        return text.ToString();
    }

    public void Dispose() => Fabric.Dispose();

    void ITargetObserver.OnRequestState(RdmaRequest request, RdmaRequestState from)
    {
    }

    void ITargetObserver.OnCmEvent(CmEvent ev)
    {
    }

    void ITargetObserver.OnQpairDestroying(RdmaQpair qpair)
    {
        TargetInvariants.CheckDestroyed(qpair);
        Destroyed++;
        _destroying?.Invoke(qpair);
        lock (_watchGate)
        {
            if (!_disconnecting.Remove(qpair))
            {
                Specification.Monitor<DisconnectsFinish>(new DisconnectsFinish.Began(qpair.Name));
            }
        }

        Specification.Monitor<DisconnectsFinish>(new DisconnectsFinish.Ended(qpair.Name));
    }

    void ITargetObserver.OnLog(string line)
    {
    }

    /// <summary>One round of a target reactor, then (poll groups) the invariants of its own qpairs, on its own thread.</summary>
    private bool TargetRound(ThreadReactor reactor)
    {
        var scheduled = Fabric.World.EventsScheduled;
        var work = reactor.PollOnce();
        foreach (var group in Target.PollGroups)
        {
            if (group.Name != reactor.Name)
            {
                continue;
            }

            foreach (var poller in group.Pollers)
            {
                foreach (var qpair in poller.Qpairs.ToArray()) // a copy: the acceptor may add one meanwhile
                {
                    WatchDisconnect(qpair);
                    if (!qpair.Destroyed && qpair.Resources != null)
                    {
                        TargetInvariants.CheckQpair(qpair);
                    }
                }
            }
        }

        // A poller may post WRs it queued in an earlier round and still report idle (HEAD's nvmf_rdma_poller_poll
        // counts completions; SPDK's reactor spins, or wakes on the CQ's event): the sleeping fabric must hear of them.
        return work > 0 || Fabric.World.EventsScheduled != scheduled;
    }

    private void WatchDisconnect(RdmaQpair qpair)
    {
        lock (_watchGate)
        {
            if (qpair.DisconnectStarted && !qpair.Destroyed && _disconnecting.Add(qpair))
            {
                Specification.Monitor<DisconnectsFinish>(new DisconnectsFinish.Began(qpair.Name));
            }
        }
    }

    private bool FabricRound(Func<bool> done)
    {
        ScheduleSteps.MeetingPoint(); // the NIC and the far side take one step at a time: the race's threads may run between any two
        if (done())
        {
            Epoch.Stop();
            return false;
        }

        return FabricStep();
    }

    /// <summary>One fabric event, then the host polls until idle.</summary>
    private bool FabricStep()
    {
        var stepped = Fabric.World.Step();
        var ticked = _idle.TakeFired();
        var work = 0;
        for (var i = 0; i < HostRoundsPerStepMax; i++)
        {
            var round = _hostReactors.Sum(r => r.PollOnce());
            work += round;
            if (round == 0)
            {
                break;
            }
        }

        if (work > 0 || (stepped && !ticked))
        {
            _idle.Reset();
            return true;
        }

        return ticked || _idle.TryAdvance(); // idle: let virtual time pass, a little (see IdleClock)
    }
}
