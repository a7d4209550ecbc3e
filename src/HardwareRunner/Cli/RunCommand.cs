using Harness.Sim.Core;
using Harness.Sim.Fabric;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness run</c>: checks the settings, then runs the chosen workload (<see cref="NvmfRun"/> by default,
/// <see cref="PingPongRun"/> for <c>--workload rdma</c>) on the backend. Every summary ends with
/// <c>trace-hash: &lt;hex&gt;</c>. Helpers shared by both workloads live here.
/// </summary>
internal static class RunCommand
{
    /// <summary>Virtual time a run may take at most (a safety net behind the workload's own stall detection).</summary>
    public const long VirtualTimeLimitNs = 3_600_000_000_000;

    /// <summary>Failure reasons printed in a summary at most.</summary>
    public const int FailureReasonsShownMax = 8;

    public static int Execute(RunSettings settings, TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        if (FaultsValue.Resolve(settings, out settings) is { } faults)
        {
            return Usage(stderr, faults); // a plan file is read before anything runs, on every backend
        }

        if (settings.TopologyProblem() is { } topology)
        {
            return Usage(stderr, topology);
        }

        if (settings.Backend == BackendNames.Ibverbs)
        {
            if (settings.PcapPath != null)
            {
                return Usage(stderr, "--pcap: only the simulator's fabric is captured by the harness; on hardware capture the RoCE traffic with the NIC's tools (ibdump, or tcpdump on the RDMA device's interface; docs/hardware.md)");
            }

            return RunHardware.Execute(settings, stdout, stderr);
        }

        if (settings.HasHardwareOptions)
        {
            return Usage(stderr, $"{RunHardwareArguments.FirstHardwareOption(settings)}: only a hardware run takes it (add --backend ibverbs; docs/hardware.md)");
        }

        if (RunOutputs.Problem(settings) is { } output)
        {
            return Usage(stderr, output); // before the run: a long run must not end in a path that cannot be written
        }

        return settings.Workload == WorkloadNames.Rdma
            ? PingPongRun.Execute(settings, stdout, stderr, progress)
            : NvmfRun.Execute(settings, stdout, stderr, progress);
    }

    /// <summary>Opens the <c>--trace</c> file (or none). False, with the usage error written, when it cannot be opened.</summary>
    public static bool TryOpenTrace(RunSettings settings, TextWriter stderr, out TraceFile? trace)
    {
        if (TraceFile.Open(settings.TracePath, out trace) is { } problem)
        {
            Usage(stderr, problem);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Runs the world until <paramref name="finished"/>; calls <paramref name="observe"/> between events. Progress is shown
    /// from another thread (<see cref="RunProgress"/>), so this loop is the same with or without it.
    /// </summary>
    public static RunOutcome Run(SimFabric fabric, Func<bool> finished, Action? observe) =>
        fabric.Run(VirtualTimeLimitNs, observe == null ? finished : () => { observe(); return finished(); });

    /// <summary>Writes a usage error and returns exit code 2.</summary>
    public static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness run: {message}");
        stderr.WriteLine("usage: harness run --help");
        return HarnessProgram.ExitUsage;
    }
}
