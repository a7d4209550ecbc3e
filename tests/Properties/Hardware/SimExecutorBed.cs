using System.Net;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Hardware;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;

namespace Harness.Tests.Properties.Hardware;

/// <summary>
/// The hardware fault executor on the simulated fabric: the NVMe-oF workload on two simulated hosts, the host driver
/// wrapped in <see cref="FaultingHostDriver"/> and the target's executor on a reactor of its own, exactly as the hardware
/// runner wires them on rdma-core. The executor's verbs calls (modify_qp, rdma_disconnect, dereg_mr) then hit the
/// simulated NIC, whose RC semantics decide what the transports see. This shows what each action causes; it is not a
/// hardware run (nothing here touches a NIC).
/// </summary>
internal sealed class SimExecutorBed
{
    private const long RunLimitNs = 120_000_000_000;

    public SimExecutorBed(ulong seed, IReadOnlyList<HardwareAction> actions, int qpairs = 2, int ios = 400, byte? retryCount = null)
    {
        Fabric = new SimFabric(new SimOptions { Seed = seed, TraceRecordsInMemory = 4_000_000 });
        var target = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        var host = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var options = new NvmfWorkloadOptions
        {
            Ios = ios,
            Qpairs = qpairs,
            QueueDepth = 8,
            TargetAddress = new IPEndPoint(target.Address, 4420),
            HostReadDepth = 2,
            LargeIoBytes = 32_768,
            LargeIoFraction = 0.75,
        };
        var random = new SimWorkloadRandom(Fabric.World.Random.Stream(StreamNames.Workload));
        NvmfWorkload? workload = null;
        var unit = options.TargetIoUnitBytes;
        var inCapsule = options.ToTargetOptions().InCapsuleDataSize;
        Workload = new NvmfWorkload(options, target, host, Fabric.Reactors, random, TargetLog.Add, (o, sink) =>
        {
            var driver = new FaultingHostDriver(new NvmeRdmaHostDriver(host, o with { RetryCount = retryCount ?? o.RetryCount }, sink),
                site => new FaultActionExecutor(site, actions, ios, qpairs, inCapsule, unit, host.Clock), () => workload?.Stats.Done ?? 0);
            HostExecutor = driver.Executor;
            return driver;
        });
        workload = Workload;
        TargetExecutor = new FaultActionExecutor(new TargetFaultSite(Workload.Target!), actions, ios, qpairs, inCapsule, unit, target.Clock);
        Workload.Start();
        Fabric.Reactors.CreateReactor("harness.faults.target").AddPoller(new FuncPoller("harness.faults.target", TargetExecutor.Poll));
    }

    public SimFabric Fabric { get; }

    /// <summary>The target's SPDK-format log lines.</summary>
    public List<string> TargetLog { get; } = new();

    /// <summary>Target log lines of a data WR (RDMA READ/WRITE) that completed with <paramref name="status"/> (its number).</summary>
    public int DataWrErrors(int status) => TargetLog.Count(l => l.Contains("type DATA", StringComparison.Ordinal) && l.Contains($"status: ({status})", StringComparison.Ordinal));

    public NvmfWorkload Workload { get; }

    public FaultActionExecutor HostExecutor { get; private set; } = null!;

    public FaultActionExecutor TargetExecutor { get; }

    /// <summary>Runs to the end; the executors' logs (made and not made), host's first.</summary>
    public IReadOnlyList<InjectedAction> Run()
    {
        Fabric.Run(RunLimitNs, () => Workload.Finished);
        Workload.Stop();
        return [.. HostExecutor.Finish("run over"), .. TargetExecutor.Finish("run over")];
    }

    /// <summary>Completions on <paramref name="node"/> with status <paramref name="status"/> (rdma-core's name).</summary>
    public int Completions(string node, string status) =>
        Fabric.Trace.Records.Count(r => r.Kind == TraceKind.Completion && r.Node == node && r.Status == status);

    /// <summary>CM events of <paramref name="type"/> on <paramref name="node"/>.</summary>
    public int CmEvents(string node, string type) =>
        Fabric.Trace.Records.Count(r => r.Kind == TraceKind.CmEvent && r.Node == node && r.Op == type);

    /// <summary>Completion statuses and CM events per node (for failure messages).</summary>
    public string Histogram() => string.Join(", ", Fabric.Trace.Records
        .Where(r => r.Kind is TraceKind.Completion or TraceKind.CmEvent or TraceKind.Retry or TraceKind.QpState)
        .GroupBy(r => $"{r.Node} {r.Kind.ToName()} {r.Status ?? r.Op}")
        .Select(g => $"{g.Key}: {g.Count()}"));

    public string Describe() => $"{Workload.Violation?.ToString() ?? "no violation"}; {Workload.DescribeState()}; ios {Workload.Stats.Completed}/{Workload.Stats.Ios} completed, {Workload.Stats.Failed} failed";
}
