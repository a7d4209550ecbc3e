using System.Net;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Hardware;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Hardware;

/// <summary>
/// The hardware runner's sessions (<see cref="HardwareSession"/>) on the simulated fabric (<see cref="SimSessionLoop"/>):
/// a target-only session and a host-only session — what two machines of a nightly job run — in one simulated world, with
/// the same seed and fault profile; a target stopped by a signal or its duration; the loopback role. This is the
/// role split, the session bookkeeping and the executors wired as on hardware, checked by the same oracle; it is not a
/// hardware run.
/// </summary>
public sealed class HardwareSessionOnSimTests
{
    private static readonly IPEndPoint TargetAddress = new(IPAddress.Parse("192.0.2.1"), 4420);

    [Theory]
    [InlineData(FaultProfiles.None, 1UL)]
    [InlineData(FaultProfiles.Nightly, 2UL)]
    [InlineData(FaultProfiles.Nightly, 17UL)]
    public void A_target_only_and_a_host_only_session_run_the_verified_workload_against_each_other(string profile, ulong seed)
    {
        var world = new World(seed);
        var target = world.Session(HardwareRole.Target, world.Target, profile, seed, sessions: 1);
        var host = world.Session(HardwareRole.Host, world.Host, profile, seed);

        target.Start();
        host.Start();
        var targetOutcome = target.RunToEnd(); // its loop runs the whole world: the host's I/O, shutdown, then the idle second
        var hostOutcome = host.RunToEnd();

        Assert.True(hostOutcome.Violation == null, $"host: {hostOutcome.Violation}");
        Assert.True(targetOutcome.Violation == null, $"target: {targetOutcome.Violation}");
        var stats = hostOutcome.Workload!.Stats;
        Assert.Equal(stats.Ios, stats.Done);
        Assert.True(stats.VerifiedBytes > 0, "nothing was read back and verified");
        Assert.Equal(1, targetOutcome.SessionsEnded);
        Assert.Equal("1 host session(s) ended", targetOutcome.EndedBy);
        Assert.True(targetOutcome.Target!.Idle);
        Assert.Null(hostOutcome.Target); // the host-only process has no target side
        Assert.All(hostOutcome.Injected, a => Assert.Equal(HardwareSide.Host, a.Action.Side));
        Assert.All(targetOutcome.Injected, a => Assert.Equal(HardwareSide.Target, a.Action.Side));
        var plan = world.Plan(profile, seed);
        Assert.Equal(plan.For(HardwareSide.Host).Count, hostOutcome.Injected.Select(a => a.Action).Distinct().Count());
        Assert.Equal(plan.For(HardwareSide.Target).Count, targetOutcome.Injected.Select(a => a.Action).Distinct().Count());
        var all = hostOutcome.Injected.Concat(targetOutcome.Injected).ToList();
        Assert.All(all, a => Assert.True(!a.Injected || a.Rc == Errno.Ok, a.ToString()));
        Assert.True(profile == FaultProfiles.None || all.Any(a => a.Injected), "no fault action was made: " + string.Join("\n", all));
    }

    [Fact]
    public void A_target_only_session_ends_on_a_stop_request_and_tears_down_cleanly()
    {
        var world = new World(3);
        var stop = new HardwareStop();
        var target = world.Session(HardwareRole.Target, world.Target, FaultProfiles.None, 3, stop: stop);
        target.Start();
        stop.Request("SIGTERM");

        var outcome = target.RunToEnd();

        Assert.Null(outcome.Violation);
        Assert.Equal("SIGTERM", outcome.EndedBy);
        Assert.Equal(0, outcome.SessionsEnded);
    }

    [Fact]
    public void A_target_only_session_ends_when_its_duration_is_reached()
    {
        var world = new World(4);
        var target = world.Session(HardwareRole.Target, world.Target, FaultProfiles.None, 4, durationNs: 5_000_000);
        var outcome = target.Run();

        Assert.Null(outcome.Violation);
        Assert.Equal("--duration reached", outcome.EndedBy);
        Assert.True(world.Fabric.World.NowNs >= 5_000_000);
    }

    [Fact]
    public void A_host_only_session_stopped_early_is_reported_as_interrupted()
    {
        var world = new World(6);
        var stop = new HardwareStop();
        world.Session(HardwareRole.Target, world.Target, FaultProfiles.None, 6, sessions: 1).Start();
        var host = world.Session(HardwareRole.Host, world.Host, FaultProfiles.None, 6, stop: stop);
        host.Start();
        stop.Request("SIGINT");

        var outcome = host.RunToEnd();

        Assert.Equal("interrupted", outcome.Violation?.Invariant);
        Assert.StartsWith("SIGINT before the workload finished", outcome.Violation!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_loopback_session_runs_both_roles_on_one_stack_and_the_target_invariants_decide(bool defect)
    {
        // Loopback: both roles on one stack of one simulated host. With the pending-read-queue defect, the retry-exceeded
        // profile of seed 3 makes the target double-insert (as `harness run --faults retry-exceeded --seed 3 --defect
        // pending-read-queue-double-insert` does on the simulated backend); without it the same run passes.
        var world = new World(3, loopback: true);
        var session = world.Session(HardwareRole.Loopback, world.Target, FaultProfiles.RetryExceeded, 3,
            defects: defect ? Transport.Target.KnownDefects.PendingReadQueueDoubleInsert : Transport.Target.KnownDefects.None);

        var outcome = session.Run();

        Assert.NotNull(outcome.Workload);
        Assert.Same(outcome.Workload!.Target, outcome.Target);
        Assert.Equal(defect ? "request-in-one-queue" : null, outcome.Violation?.Invariant);
        Assert.True(defect || outcome.Workload.Stats.Done == outcome.Workload.Stats.Ios, outcome.Workload.DescribeState());
    }

    /// <summary>A simulated world with a target and a host (or one host for loopback) and the sessions' common pieces.</summary>
    private sealed class World
    {
        public World(ulong seed, bool loopback = false)
        {
            Fabric = new SimFabric(new SimOptions { Seed = seed });
            Target = Fabric.AddHost("target", TargetAddress.Address);
            Host = loopback ? Target : Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        }

        public SimFabric Fabric { get; }

        public IRdmaStack Target { get; }

        public IRdmaStack Host { get; }

        public HardwareFaultPlan Plan(string profile, ulong seed) => Plan(FaultProfileBuilder.Build(profile, seed, Qpairs, QueueDepth, Ios));

        public HardwareSession Session(HardwareRole role, IRdmaStack stack, string profile, ulong seed, int sessions = 0, long durationNs = 0,
            HardwareStop? stop = null, Transport.Target.KnownDefects defects = default)
        {
            var setup = FaultProfileBuilder.Build(profile, seed, Qpairs, QueueDepth, Ios);
            var plan = Plan(setup);
            Assert.True(plan.Runnable, string.Join("; ", plan.Refused));
            var applied = setup.Apply(new NvmfWorkloadOptions
            {
                Ios = Ios,
                Qpairs = Qpairs,
                QueueDepth = QueueDepth,
                TargetAddress = TargetAddress,
                TargetDefects = defects,
                HostDefects = defects,
            });
            var workload = applied with { ControllerActions = [] };
            var options = new HardwareRunOptions { Role = role, Workload = workload, Seed = seed, Faults = plan, Sessions = sessions, DurationNs = durationNs };
            return new HardwareSession(options, stack, new SimSessionLoop(Fabric), new HardwareRecorder(new Trace(), Fabric.World), stop ?? new HardwareStop());
        }

        private static HardwareFaultPlan Plan(FaultSetup setup) => HardwareFaultMapper.Map(setup, Ios, Qpairs, QueueDepth);

        private const int Ios = 600;
        private const int Qpairs = 2;
        private const int QueueDepth = 8;
    }
}
