using System.Net;
using Harness.HardwareRunner.Hardware;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Verbs;
using Microsoft.Extensions.DependencyInjection;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness run --backend ibverbs --role target|host|loopback --addr IP:PORT [--device NAME] …</c>. In this order:
/// everything given is checked (values, the workload, a <c>--role</c> without <c>--addr</c> or the reverse, the mapping
/// of the fault profile's draw or the fault plan file's faults to hardware actions, the output paths); then the native stack is opened, which fails fast with the
/// reason <c>harness devices</c> gives (exit 2; a bare <c>--backend ibverbs</c> gets that answer first); then a missing
/// <c>--role</c>/<c>--addr</c> is an error; then the run (<see cref="HardwareSession"/>) with the
/// NIC counters read before and after, the summary, the JUnit report and the exit code of a simulated run.
/// </summary>
internal static class RunHardware
{
    public static int Execute(RunSettings s, TextWriter stdout, TextWriter stderr) => Execute(s, stdout, stderr, NativeLibraryNames.Default);

    /// <summary>As <see cref="Execute(RunSettings, TextWriter, TextWriter)"/> with the rdma-core library names substituted (tests).</summary>
    internal static int Execute(RunSettings s, TextWriter stdout, TextWriter stderr, NativeLibraryNames libraries)
    {
        var problem = Check(s, out var request);
        if (problem != null)
        {
            return RunCommand.Usage(stderr, problem);
        }

        var setup = new IbverbsSetup
        {
            Stack = new NativeStackOptions { DeviceName = s.Device, HostName = s.Role ?? "harness", AckTimeoutExponent = request!.Plan.AckTimeoutExponent },
            HostKeys = [HardwareSession.TargetNode, HardwareSession.HostNode],
            ReactorMode = NativeReactorMode.Manual,
            Libraries = libraries,
        };
        using var provider = new ServiceCollection().AddIbverbs(setup).BuildServiceProvider();
        NativeRdmaStack stack;
        try
        {
            stack = provider.GetRequiredService<NativeRdmaStack>();
        }
        catch (NativeStackUnavailableException e) when (e.Status == NativeOpenStatus.DeviceNotFound)
        {
            return RunCommand.Usage(stderr, $"--device {s.Device}: {e.Message}");
        }
        catch (NativeStackUnavailableException e)
        {
            // The command line was right and the machine lacks something: the sentence says what, a usage hint would mislead.
            stderr.WriteLine($"harness run: --backend ibverbs: {e.Message}");
            return HarnessProgram.ExitUsage;
        }

        problem = CheckRequired(s, request, out var options);
        return problem != null
            ? RunCommand.Usage(stderr, problem)
            : new RunHardwareSession(s, options!, request.Description, stack, provider.GetRequiredService<NativeReactorRuntime>(), stdout, stderr).Execute();
    }

    /// <summary>Everything given, checked before the machine is touched. Null or the usage error.</summary>
    internal static string? Check(RunSettings s, out HardwareRequest? request)
    {
        request = null;
        if (s.Workload != WorkloadNames.Nvmf)
        {
            return $"--workload {s.Workload}: the RDMA ping-pong runs on the simulator only; a hardware run drives the NVMe-oF workload (--workload nvmf)";
        }

        if (KnownDefectNames.ParseAll(s.Defects, out var defects) is { } unknown)
        {
            return unknown;
        }

        HardwareRole? role = HardwareRoleNames.TryParse(s.Role, out var r) ? r : null;
        IPEndPoint? address = null;
        var problem = (s.Role != null && role == null ? $"--role {s.Role}: unknown role (known: {string.Join(", ", HardwareRoleNames.Names)})" : null)
            ?? (s.Address != null ? RunHardwareArguments.ParseAddress(s.Address, out address) : null)
            ?? RunHardwareArguments.CheckDevice(s.Device)
            ?? RunHardwareArguments.CheckNumbers(s, role)
            ?? RunHardwareArguments.CheckPair(role, address);
        if (problem != null)
        {
            return problem;
        }

        var faults = s.FaultSetup();
        var applied = faults.Apply(s.WorkloadOptions(defects));
        var workload = applied with { ControllerActions = [] }; // on hardware the executor runs them at their point of the I/O
        var plan = HardwareFaultMapper.Map(faults, s.Ios, s.Qpairs, s.QueueDepth);
        problem = workload.Validate() ?? (plan.Runnable ? null : Refusal(s, plan)) ?? RunOutputs.Problem(s);
        request = problem == null ? new HardwareRequest(role, address, workload, plan, faults.Description) : null;
        return problem;
    }

    /// <summary>Why the faults cannot run on hardware: a profile's draw (another seed may do) or a plan file's faults (the file must change).</summary>
    private static string Refusal(RunSettings s, HardwareFaultPlan plan) =>
        s.FaultPlan != null ? HardwareFaultMapper.PlanFileRefusalMessage(s.Faults, plan) : HardwareFaultMapper.RefusalMessage(s.Faults, s.Seed, plan);

    /// <summary>What a hardware run cannot do without. Null or the usage error.</summary>
    internal static string? CheckRequired(RunSettings s, HardwareRequest request, out HardwareRunOptions? options)
    {
        options = null;
        if (request.Role is not { } role)
        {
            return $"--role is required with --backend ibverbs: {string.Join(", ", HardwareRoleNames.Names)} (docs/hardware.md)";
        }

        if (request.Address is not { } address)
        {
            return "--addr is required with --backend ibverbs: IP:PORT of the device's port, where the target listens and the host connects (e.g. --addr 192.0.2.1:4420)";
        }

        options = new HardwareRunOptions
        {
            Role = role,
            Workload = request.Workload with { TargetAddress = address },
            Seed = s.Seed,
            Faults = request.Plan,
            Sessions = s.Sessions ?? 0,
            DurationNs = s.DurationSeconds is { } d ? (long)(d * 1e9) : 0,
        };
        return null;
    }

}

/// <summary>A hardware run's arguments once checked (role and address may still be missing).</summary>
internal sealed record HardwareRequest(HardwareRole? Role, IPEndPoint? Address, NvmfWorkloadOptions Workload, HardwareFaultPlan Plan, string Description);
