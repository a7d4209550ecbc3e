using System.Globalization;
using System.Net;
using Harness.HardwareRunner.Backends;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Sim.Oracle;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// Runs a scenario's command list on the simulated fabric: the target stack (<see cref="NvmfRdmaTransport"/> in front
/// of <see cref="NvmfTarget"/>) and the host (<see cref="NvmeRdmaController"/>, one poll group per I/O qpair), the
/// target's invariants checked after every simulator event, the reference model of its bookkeeping in lockstep
/// (<see cref="TargetBookkeepingModel"/>), every read checked against the <see cref="BlockModel"/>, every command
/// completed exactly once, and, after the controller is deleted, nothing left behind on either side.
/// </summary>
internal sealed partial class CommandRun : IDisposable
{
    /// <summary>Virtual time the controller and its I/O qpairs get to connect.</summary>
    public const long SetupLimitNs = 30_000_000_000;

    /// <summary>Virtual time every submitted command gets to complete (the host's I/O timeout is 5 s).</summary>
    public const long SettleLimitNs = 30_000_000_000;

    /// <summary>Virtual time the teardown of both sides may take.</summary>
    public const long TeardownLimitNs = 30_000_000_000;

    /// <summary>
    /// The host's admin-queue poll period once the controller is ready: bdev_nvme's <c>nvme_adminq_poll_period_us</c>
    /// default, as <c>harness run</c>'s host has it, so a late CM event waits on the shared channel between polls.
    /// </summary>
    public const long AdminPollPeriodNs = 10_000_000;

    /// <summary>Target log error lines kept as notes.</summary>
    public const int LogNotesMax = 4;

    private static readonly IPEndPoint TargetAddress = new(IPAddress.Parse("192.0.2.1"), 4420);

    private readonly Scenario _scenario;
    private readonly ScenarioTopology _topology;
    private readonly SimFabric _fabric;
    private readonly SimHost _hostMachine;
    private readonly Observer _observer;
    private readonly List<DmaBuffer> _buffers = new();
    private readonly List<IssuedCommand> _issued = new();
    private readonly DrainLiveness _liveness;
    private readonly BlockModel _blocks = new();
    private readonly List<string> _notes = new();
    private NvmeRdmaPollGroup[] _groups = Array.Empty<NvmeRdmaPollGroup>();
    private NvmeRdmaQpair[] _qpairs = Array.Empty<NvmeRdmaQpair>();
    private Dictionary<string, SimResources> _baseline = new();
    private int _refused;

    public CommandRun(Scenario scenario, KnownDefects defects, Trace? trace)
    {
        _scenario = scenario;
        _topology = scenario.EffectiveTopology;
        var sim = new SimOptions
        {
            Seed = scenario.EffectiveSeed,
            Faults = ScenarioNames.ToPlan(scenario),
            MaxQpRdAtom = _topology.Reads,
            Provider = _topology.Provider is { } p ? ScenarioNames.ParseProvider(p) : Sim.Nic.SimProvider.Mlx5,
        };
        _fabric = new SimFabric(sim, trace);
        var targetMachine = _fabric.AddHost("target", TargetAddress.Address);
        _hostMachine = _fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var options = ScenarioFile.ToTargetOptions(_topology) with { Defects = defects };
        Nvmf = new NvmfTarget(NvmfTargetOptions.ForTransport(options), targetMachine.Clock);
        if (ControllerFaultInjector.Applies(sim.Faults))
        {
            Nvmf.IoFaults = new ControllerFaultInjector(_fabric.World, _fabric.Faults, targetMachine.HostName);
        }

        _observer = new Observer(this);
        Transport = new NvmfRdmaTransport(targetMachine, options, Nvmf, _observer);
        Model = new TargetBookkeepingModel(_fabric, Transport, targetMachine.HostName);
        _liveness = new DrainLiveness(Transport);
        var hostOptions = new HostOptions
        {
            Defects = defects,
            IoQueueSize = _topology.Depth + 1,
            AdminPollPeriodNs = AdminPollPeriodNs,
            Interleaving = new AdminPreemption(this),
            TimeoutAction = _topology.Host?.TimeoutAction == "abort" ? NvmeTimeoutAction.Abort : NvmeTimeoutAction.Reset,
            IoTimeoutNs = _topology.Host?.IoTimeoutMs is { } ms ? ms * 1_000_000L : new HostOptions().IoTimeoutNs,
            RdmaSrqSize = _topology.Host?.RdmaSrqSize ?? 0,
        };
        Controller = new NvmeRdmaController(_hostMachine, _fabric.Reactors.CreateReactor("host.admin"), TargetAddress, hostOptions);
        HostOptions = hostOptions;
    }

    public NvmfTarget Nvmf { get; }

    public NvmfRdmaTransport Transport { get; }

    public NvmeRdmaController Controller { get; }

    public TargetBookkeepingModel Model { get; }

    public SimFabric Fabric => _fabric;

    private HostOptions HostOptions { get; }

    /// <summary>Runs everything; null when no invariant broke, else (invariant, detail). Other exceptions are crashes.</summary>
    public (string Invariant, string Detail)? Run()
    {
        try
        {
            Setup();
            for (var i = 0; i < (_scenario.Commands?.Count ?? 0); i++)
            {
                Execute(i, _scenario.Commands![i]);
            }

            Settle();
            CheckEveryCommandCompleted();
            Teardown();
            return null;
        }
        catch (InvariantViolationException e)
        {
            return (e.Invariant, e.Detail);
        }
        catch (Harness.Sim.Cm.SimulatedHangException e)
        {
            return (ScenarioInvariants.Hang, e.Message);
        }
    }

    /// <summary>Lines for the summary.</summary>
    public IReadOnlyList<string> Summary()
    {
        var inv = CultureInfo.InvariantCulture;
        var ok = _issued.Count(c => c.Completion is { } cpl && cpl.Status.IsSuccess);
        var failed = _issued.Count(c => c.Completion is { } cpl && !cpl.Status.IsSuccess);
        return new[]
        {
            string.Create(inv, $"commands: {_issued.Count} submitted ({ok} succeeded, {failed} failed), {_refused} not submitted (qpair not running or full)"),
            string.Create(inv, $"verified: {_blocks.VerifiedBlocks} blocks read back and checked against the writes"),
            string.Create(inv, $"target: {Transport.Qpairs.Count} qpairs created, {Transport.Qpairs.Count(q => q.Destroyed)} destroyed; log: {Transport.Log.Errors} errors; model: {Model.Checks} checks"),
            string.Create(inv, $"virtual time: {_fabric.World.NowNs / 1e6:0.000} ms, simulated events: {_fabric.World.EventsProcessed}"),
        };
    }

    /// <summary>Evidence gathered on the way.</summary>
    public IReadOnlyList<string> Notes => _notes.Concat(Model.Notes).ToList();

    public void Dispose() => _fabric.Dispose();

    private void Setup()
    {
        Transport.Start(_fabric.Reactors, _topology.PollGroups ?? 1, TargetAddress);
        _baseline = SimLeakCheck.Snapshot(_fabric, "target");
        Controller.Start();
        RunUntil(() => Controller.State is ControllerState.Ready or ControllerState.Failed, SetupLimitNs, "the controller to become ready or fail");
        if (Controller.State != ControllerState.Ready)
        {
            _notes.Add($"the controller did not become ready ({Controller.State}); no I/O qpair was created");
            return;
        }

        var count = Math.Min(_topology.QpairCount, Controller.IoQueuesAllocated);
        _groups = Enumerable.Range(0, count)
            .Select(i => new NvmeRdmaPollGroup(_fabric.Reactors.CreateReactor(string.Create(CultureInfo.InvariantCulture, $"host.q{i + 1}")), HostOptions))
            .ToArray();
        _qpairs = _groups.Select(g => Controller.CreateIoQpair(g, _topology.Depth + 1)).ToArray();
        RunUntil(() => _qpairs.All(q => q.State is NvmeRdmaQpairState.Running or NvmeRdmaQpairState.Exited), SetupLimitNs, "the I/O qpairs to connect");
    }

    /// <summary>Runs event by event, every check after each, until <paramref name="done"/>; a violation when time runs out.</summary>
    private void RunUntil(Func<bool> done, long limitNs, string what)
    {
        var deadline = _fabric.World.NowNs + limitNs;
        _fabric.Start();
        while (!done())
        {
            if (_fabric.World.NextEventTimeNs is not long next || next > deadline)
            {
                throw new InvariantViolationException(ScenarioInvariants.NoProgress, string.Create(CultureInfo.InvariantCulture,
                    $"waited {limitNs / 1e9:0.#} s of virtual time for {what}, in vain ({Describe()})"));
            }

            Step();
        }
    }

    /// <summary>Lets <paramref name="ns"/> of virtual time pass, checking after every event.</summary>
    private void RunFor(long ns)
    {
        var deadline = _fabric.World.NowNs + ns;
        _fabric.Start();
        while (_fabric.World.NextEventTimeNs is long next && next <= deadline)
        {
            Step();
        }

        _fabric.World.Run(deadline); // nothing is left before the deadline: only moves the clock
    }

    /// <summary>Called after every simulator event, before the checks (tests use it to corrupt the target on purpose).</summary>
    internal Action? AfterEvent { get; set; }

    private void Step()
    {
        _fabric.World.Step();
        AfterEvent?.Invoke();
        TargetInvariants.CheckAll(Transport);
        Model.Check();
        _liveness.Check();
    }

    private string Describe()
    {
        var qpairs = string.Join(", ", _qpairs.Select(q => $"{q.Qid}: {q.State.ToSpdkName()} ({q.Outstanding} outstanding)"));
        var live = Transport.Qpairs.Count(q => !q.Destroyed);
        return $"host: controller {Controller.State}, I/O qpairs [{qpairs}]; target: {live} qpair(s) live, {Nvmf.Controllers.Count} controller(s)";
    }

    /// <summary>
    /// The host's admin thread runs where an I/O qpair's destroy has acked its parked CM events and not yet destroyed
    /// its CM id, as it may on another core. With the fix the destroying thread holds the controller lock and the
    /// admin thread gets nothing done; with lingering-without-ctrlr-lock it drains the shared channel and parks a late
    /// event for the qpair being destroyed (SPDK #3347). Always at that point, so a command list that makes a qpair
    /// linger while its late event waits reproduces the hang on every replay.
    /// </summary>
    private sealed class AdminPreemption(CommandRun run) : IHostInterleaving
    {
        public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
        {
            if (point == HostInterleavingPoint.QpairDestroyAfterEventSweep && qpair.Qid != 0)
            {
                run.Controller.ProcessAdminCompletions();
            }
        }
    }

    /// <summary>Forwards the target's reports to the model, the leak check and the notes.</summary>
    private sealed class Observer(CommandRun run) : ITargetObserver
    {
        public void OnRequestState(RdmaRequest request, RdmaRequestState from)
        {
            if (request.State == RdmaRequestState.Free)
            {
                RequestWrLifetime.CheckFreed(request);
            }

            run.Model.OnTransition(request);
        }

        public void OnCmEvent(Harness.Transport.RdmaCm.CmEvent ev)
        {
        }

        public void OnQpairDestroying(RdmaQpair qpair)
        {
            TargetInvariants.CheckDestroyed(qpair);
            run.Model.OnDestroying(qpair);
        }

        public void OnLog(string line)
        {
            if (line.Contains("*ERROR*", StringComparison.Ordinal) && run._notes.Count < LogNotesMax)
            {
                run._notes.Add("target log: " + line);
            }
        }
    }
}
