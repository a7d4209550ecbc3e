using System.Globalization;
using System.Text.RegularExpressions;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// Runs a scenario's random workload exactly as <c>harness run</c> would with the same parameters (the fault profile's
/// draws, the NVMe-oF workload built by <see cref="NvmfRun.CreateWorkload"/> with the defects on both sides, and its
/// oracle), with the scenario's own scripted faults and swarm profile added to the profile's plan: a run in scenario
/// form (as <c>harness sweep</c> saves it) has the run's trace hash.
/// </summary>
internal sealed class RandomRun : IDisposable
{
    private readonly ScenarioDocument _document;
    private readonly NvmfWorkloadOptions _options;
    private readonly SimBackend _backend;
    private readonly string _faultProfile;
    private NvmfWorkload? _workload;

    public RandomRun(ScenarioDocument document, KnownDefects defects, Trace? trace)
    {
        _document = document;
        var s = document.Scenario;
        var r = s.Random!;
        var t = s.EffectiveTopology;
        var ios = r.Ios ?? 2000;
        _faultProfile = r.FaultProfile ?? FaultProfiles.None;
        var setup = FaultProfileBuilder.Build(_faultProfile, s.EffectiveSeed, t.QpairCount, t.Depth, ios);
        var options = setup.Apply(new NvmfWorkloadOptions
        {
            Ios = ios,
            Qpairs = t.QpairCount,
            QueueDepth = t.Depth,
            IoSize = r.IoSize ?? 4096,
            ReadFraction = r.RwMix ?? 0.5,
            TargetDefects = defects,
            HostDefects = defects, // as harness run: lingering-without-ctrlr-lock is the host's
            TargetAddress = SimBackend.TargetAddress,
        });
        options = t.Srq is bool srq ? options with { TargetSrq = srq } : options;
        options = t.Target?.InCapsuleDataSize is int inCapsule ? options with { InCapsuleDataSize = inCapsule } : options;
        options = r.IovecsMax is int iovecsMax ? options with { IovecsMax = iovecsMax } : options;
        options = r.CompareAndWriteFraction is double fused ? options with { CompareAndWriteFraction = fused } : options;
        options = t.Host?.TimeoutAction is { } action ? options with { HostTimeoutAction = action == "abort" ? NvmeTimeoutAction.Abort : NvmeTimeoutAction.Reset } : options;
        options = t.Host?.IoTimeoutMs is int timeoutMs ? options with { HostIoTimeoutNs = timeoutMs * 1_000_000L } : options;
        options = t.Host?.RdmaSrqSize is int hostSrq ? options with { HostRdmaSrqSize = hostSrq } : options;
        var provider = t.Provider is { } p ? ScenarioNames.ParseProvider(p) : setup.Provider;
        _options = t.ReadDepth is int reads ? options with { HostReadDepth = (byte)reads } : options;
        if (_options.Validate() is { } problem)
        {
            throw document.Error(PointerOf(problem), InScenarioWords(problem));
        }

        FaultLine = setup.Description + (s.Faults is { Count: > 0 } || s.Swarm != null ? "; scenario: " + ScenarioText.DescribeFaults(s) : string.Empty);
        _backend = new SimBackend(new SimOptions { Seed = s.EffectiveSeed, Faults = ScenarioNames.ToPlan(s, setup.Plan.Scripted, setup.Plan.Swarm), Provider = provider }, trace);
    }

    /// <summary>The fault line printed first (profile draws and the scenario's own faults).</summary>
    public string FaultLine { get; }

    public Sim.Fabric.SimFabric Fabric => _backend.Fabric;

    /// <summary>Runs to the end; null when no invariant broke.</summary>
    public (string Invariant, string Detail)? Run()
    {
        _workload = NvmfRun.CreateWorkload(_options, _faultProfile, _backend);
        var violation = RunToEnd(_workload, out var baseline);
        _workload.Stop();
        if (violation == null && SimLeakCheck.Find(_backend.Fabric, baseline) is { } leak)
        {
            violation = (ScenarioInvariants.ResourceLeak, leak);
        }

        return violation;
    }

    /// <summary>Lines for the summary.</summary>
    public IReadOnlyList<string> Summary()
    {
        var inv = CultureInfo.InvariantCulture;
        var w = _workload!;
        var stats = w.Stats;
        var world = _backend.Fabric.World;
        return new[]
        {
            string.Create(inv, $"ios: {stats.Ios} requested, {stats.Completed} completed, {stats.Failed} failed ({stats.FailedInFlight} aborted by a qpair disconnect, {stats.FailedStatus} with an NVMe error status, {stats.NotIssued} not issued)"),
            string.Create(inv, $"verified: {stats.VerifiedBytes} bytes read back and compared with the model"),
            string.Create(inv, $"target: {w.Transport.Qpairs.Count} qpairs created, {w.Transport.Qpairs.Count(q => q.Destroyed)} destroyed; log: {w.Transport.Log.Errors} errors"),
            string.Create(inv, $"virtual time: {world.NowNs / 1e6:0.000} ms, simulated events: {world.EventsProcessed}"),
        };
    }

    public void Dispose() => _backend.Dispose();

    private (string, string)? RunToEnd(NvmfWorkload workload, out Dictionary<string, SimResources> baseline)
    {
        baseline = new Dictionary<string, SimResources>();
        try
        {
            workload.Start();
            baseline = SimLeakCheck.Snapshot(_backend.Fabric, SimBackend.TargetName);
            var outcome = _backend.Fabric.Run(RunCommand.VirtualTimeLimitNs, () => workload.Finished);
            if (workload.Violation is { } v)
            {
                return (v.Invariant, v.Detail);
            }

            return workload.Finished ? null : (ScenarioInvariants.NoProgress, outcome == Sim.Core.RunOutcome.Quiescent
                ? $"nothing is left to happen but the workload is not finished ({workload.DescribeState()})"
                : $"not finished after {RunCommand.VirtualTimeLimitNs / 1e9:0} s of virtual time ({workload.DescribeState()})");
        }
        catch (InvariantViolationException e)
        {
            return (e.Invariant, e.Detail);
        }
        catch (SimulatedHangException e)
        {
            return (ScenarioInvariants.Hang, NvmfRun.HangDetail(e, workload));
        }
    }

    /// <summary>The <c>harness run</c> options the workload's checks name, and the scenario fields they are.</summary>
    private static readonly (string Option, string Pointer)[] OptionFields =
    [
        ("--ios", "/random/ios"), ("--qpairs", "/topology/qpairs"), ("--qd", "/topology/queueDepth"), ("--io-size", "/random/ioSize"), ("--rw-mix", "/random/rwMix"),
        ("--iovecs-max", "/random/iovecsMax"),
    ];

    /// <summary>The scenario field an option error of the workload (named by its <c>harness run</c> option) is about.</summary>
    private static string PointerOf(string problem)
    {
        var option = problem.Split(' ', 2)[0];
        return Array.Find(OptionFields, f => f.Option == option).Pointer ?? "/random";
    }

    /// <summary>The workload's message with its options called by their scenario field names (--qd → topology.queueDepth).</summary>
    private static string InScenarioWords(string problem)
    {
        foreach (var (option, pointer) in OptionFields)
        {
            problem = Regex.Replace(problem, $@"(?<![\w-]){option}(?![\w-])", JsonLineMap.FieldName(pointer));
        }

        return problem;
    }
}
