using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Hardware;
using Harness.HardwareRunner.Native;
using Harness.Tests.Properties.Native;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The hardware side of the <c>harness</c> command on a machine that cannot run verbs (issue 7, done-when): <c>harness
/// devices</c> and <c>harness run --backend ibverbs</c> both exit 2 with one sentence that names what is missing (the
/// rdma-core library, kernel RDMA support, a device), the run before it writes anything; and every bad hardware option
/// exits 2 naming the option, before the machine is asked. The machine's state comes from sysfs (<see cref="RdmaMachine"/>),
/// so on a machine with RDMA the machine-dependent tests check the other branch instead of failing.
/// </summary>
public sealed class HardwareCommandLineTests
{
    /// <summary>A device name no machine has (the fail-fast test's device on a machine with devices).</summary>
    private const string NoSuchDevice = "harness_no_such_device0";

    /// <summary>What each way of failing starts with (NativeRdmaStack.TryOpen's messages).</summary>
    private static readonly string[] MissingLabels = ["rdma-core library missing:", "no kernel RDMA support:", "no RDMA devices:"];

    private static readonly NativeLibraryNames MissingIbverbs = NativeLibraryNames.Default with { Ibverbs = "libibverbs.so.0-harness-missing" };

    [Fact]
    public void Devices_names_what_this_machine_lacks_and_exits_2()
    {
        var run = HarnessRun.Of("devices");

        if (RdmaMachine.KernelHasVerbs && RdmaMachine.DeviceNames.Count > 0)
        {
            Assert.True(run.Exit == 0, run.ToString());
            Assert.Contains("node GUID", run.Stdout, StringComparison.Ordinal);
            return;
        }

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        var expected = RdmaMachine.KernelHasVerbs ? "harness devices: no RDMA devices:" : "harness devices: no kernel RDMA support:";
        Assert.StartsWith(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n')); // one sentence, not a stack trace
    }

    [Fact]
    public void Devices_without_the_rdma_core_library_names_the_library_and_the_package_and_exits_2()
    {
        var (exit, stdout, stderr) = Devices(MissingIbverbs);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("harness devices: rdma-core library missing: libibverbs.so.0-harness-missing", stderr, StringComparison.Ordinal);
        Assert.Contains("libibverbs1", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run --backend ibverbs")]
    [InlineData("run --backend ibverbs --role target --addr 192.0.2.1:4420")]
    [InlineData("run --backend ibverbs --role host --addr 192.0.2.1:4420 --faults nightly --seed 17 --qpairs 8")]
    [InlineData("run --backend ibverbs --role loopback --addr 127.0.0.1:4420 --device rxe0")]
    public void Run_on_ibverbs_fails_fast_with_the_sentence_devices_gives_and_writes_nothing(string commandLine)
    {
        var devices = HarnessRun.Of("devices");
        var dir = Directory.CreateTempSubdirectory("harness-hw-cli-");
        try
        {
            var trace = Path.Combine(dir.FullName, "t.jsonl");
            var junit = Path.Combine(dir.FullName, "j.xml");
            var args = commandLine.Split(' ').ToList();
            if (devices.Exit == 0)
            {
                // A machine with devices (the nightly one): the same fail-fast rule, for a device it does not have.
                var device = args.IndexOf("--device");
                if (device >= 0)
                {
                    args.RemoveRange(device, 2);
                }

                args.AddRange(["--device", NoSuchDevice]);
            }

            var run = HarnessRun.Of([.. args, "--trace", trace, "--junit", junit]);

            Assert.True(run.Exit == 2, run.ToString());
            Assert.Equal(string.Empty, run.Stdout);
            if (devices.Exit == 0)
            {
                Assert.StartsWith($"harness run: --device {NoSuchDevice}: ", run.Stderr, StringComparison.Ordinal);
            }
            else
            {
                var reason = devices.Stderr.Trim()["harness devices: ".Length..];
                Assert.Equal("harness run: --backend ibverbs: " + reason, run.Stderr.Trim()); // the machine's problem: no usage hint
            }

            Assert.Empty(dir.GetFileSystemInfos()); // nothing written, not even an empty report
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Run_on_ibverbs_without_the_rdma_core_library_fails_fast_with_the_same_sentence_as_devices()
    {
        var (_, _, devices) = Devices(MissingIbverbs);
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var settings = new RunSettings { Backend = BackendNames.Ibverbs, Role = "target", Address = "192.0.2.1:4420" };

        var exit = RunHardware.Execute(settings, stdout, stderr, MissingIbverbs);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout.ToString());
        Assert.Equal("harness run: --backend ibverbs: " + devices.Trim()["harness devices: ".Length..], stderr.ToString().Trim());
    }

    [Theory]
    [InlineData("--role banana --addr 192.0.2.1:4420", "--role banana")]
    [InlineData("--role host --addr 192.0.2.1", "--addr 192.0.2.1")]
    [InlineData("--role host --addr 192.0.2.1:0", "--addr 192.0.2.1:0")]
    [InlineData("--role host --addr 300.1.2.3:4420", "--addr 300.1.2.3:4420")]
    [InlineData("--role target --addr 0.0.0.0:4420", "--addr 0.0.0.0:4420")]
    [InlineData("--role host --addr 224.0.0.1:4420", "--addr 224.0.0.1:4420")]
    [InlineData("--role host", "--addr is required with --role host")]
    [InlineData("--role target", "--addr is required with --role target")]
    [InlineData("--addr 192.0.2.1:4420", "--role is required with --addr 192.0.2.1:4420")]
    [InlineData("--role target --addr 192.0.2.1:4420 --device mlx5/0", "--device mlx5/0")]
    [InlineData("--role target --addr 192.0.2.1:4420 --sessions 0", "--sessions 0")]
    [InlineData("--role host --addr 192.0.2.1:4420 --sessions 2", "--sessions: only --role target")]
    [InlineData("--role host --addr 192.0.2.1:4420 --duration 10", "--duration: only --role target")]
    [InlineData("--role target --addr 192.0.2.1:4420 --duration -1", "--duration")]
    [InlineData("--role host --addr 192.0.2.1:4420 --watchdog 0", "--watchdog 0")]
    [InlineData("--role host --addr 192.0.2.1:4420 --workload rdma", "--workload rdma")]
    [InlineData("--role host --addr 192.0.2.1:4420 --defect use-after-free", "--defect use-after-free")]
    [InlineData("--role host --addr 192.0.2.1:4420 --faults swarm --seed 3", "--faults swarm (seed 3)")]
    [InlineData("--role host --addr 192.0.2.1:4420 --faults disconnects --seed 1", "DelayCqFault")]
    [InlineData("--role host --addr 192.0.2.1:4420 --junit /harness-no-such-dir/j.xml", "--junit /harness-no-such-dir/j.xml")]
    [InlineData("--role host --addr 192.0.2.1:4420 --trace /harness-no-such-dir/t.jsonl", "--trace /harness-no-such-dir/t.jsonl")]
    public void A_bad_hardware_option_exits_2_naming_it_before_the_machine_is_asked(string options, string named)
    {
        var run = HarnessRun.Of(["run", "--backend", "ibverbs", .. options.Split(' ')]);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
        foreach (var label in MissingLabels)
        {
            Assert.DoesNotContain(label, run.Stderr, StringComparison.Ordinal); // said before the machine was asked
        }
    }

    [Theory]
    [InlineData("--role target", "--role target")]
    [InlineData("--addr 192.0.2.1:4420", "--addr 192.0.2.1:4420")]
    [InlineData("--device mlx5_0", "--device mlx5_0")]
    public void A_hardware_option_on_the_simulator_exits_2_naming_it(string options, string named)
    {
        var run = HarnessRun.Of(["run", .. options.Split(' ')]);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--backend ibverbs", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>docs/hardware.md's "by profile" paragraph: the profiles a hardware run takes on every seed.</summary>
    [Theory]
    [InlineData(FaultProfiles.None)]
    [InlineData(FaultProfiles.RetryExceeded)]
    [InlineData(FaultProfiles.FlushStorm)]
    [InlineData(FaultProfiles.Rnr)]
    [InlineData(FaultProfiles.Nightly)]
    public void These_profiles_map_to_hardware_on_every_seed(string profile)
    {
        for (ulong seed = 1; seed <= 50; seed++)
        {
            var plan = Plan(profile, seed);
            Assert.True(plan.Runnable, $"--faults {profile} --seed {seed}: refused: {string.Join("; ", plan.Refused)}");
        }
    }

    /// <summary>The same paragraph: swarm and disconnects depend on the seed's draw (the examples the page gives).</summary>
    [Theory]
    [InlineData(FaultProfiles.Swarm, 1, false)]
    [InlineData(FaultProfiles.Swarm, 16, true)]
    [InlineData(FaultProfiles.Disconnects, 1, false)]
    [InlineData(FaultProfiles.Disconnects, 2, true)]
    public void Swarm_and_disconnects_map_on_some_seeds(string profile, ulong seed, bool runnable)
    {
        var plan = Plan(profile, seed);

        Assert.Equal(runnable, plan.Runnable);
        Assert.Equal(runnable, plan.Refused.Count == 0);
    }

    private static HardwareFaultPlan Plan(string profile, ulong seed) =>
        HardwareFaultMapper.Map(FaultProfileBuilder.Build(profile, seed, 8, 32, 200_000), 200_000, 8, 32);

    private static (int Exit, string Stdout, string Stderr) Devices(NativeLibraryNames libraries)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exit = DevicesCommand.Execute(stdout, stderr, libraries);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
