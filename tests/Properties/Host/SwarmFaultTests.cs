using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Swarm faults (packet loss, work-completion errors, delayed CM events, drawn per seed) under load, with a reset and
/// then deletion: whatever fails, every command completes exactly once, deletion ends, nothing leaks.
/// </summary>
public sealed class SwarmFaultTests
{
    [HarnessProperty(MaxTest = 25)]
    public Property Under_swarm_faults_every_command_completes_once_and_deletion_leaves_nothing()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from resetAtUs in Gen.Choose(0, 20_000)
            select (seed, resetAtUs);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            var swarm = SwarmProfile.Draw(new RandomStreams((ulong)c.seed));
            var options = HostBed.DefaultOptions() with { IoTimeoutNs = 200_000_000, AdminTimeoutNs = 200_000_000, KeepAliveTimeoutMs = 100 };
            using var bed = new HostBed((ulong)c.seed, options, new FaultPlan(Array.Empty<ScriptedFault>(), swarm));
            bed.Controller.Start();
            bed.RunUntil(() => bed.Controller.State is ControllerState.Ready or ControllerState.Failed, $"controller ready or failed ({swarm.Describe()})");
            var tracker = new IoTracker();
            if (bed.Controller.State == ControllerState.Ready)
            {
                var qps = Enumerable.Range(0, 3).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % 2], 16)).ToArray();
                foreach (var (reactor, g) in bed.GroupReactors.Select((r, g) => (r, g)))
                {
                    _ = new IoLoad(bed, reactor, qps.Where((_, i) => i % 2 == g).ToArray(), tracker, budget: 600);
                }

                bed.RunFor(c.resetAtUs * 1_000L);
                bed.Controller.Reset();
                bed.RunFor(20_000_000);
            }

            bed.Controller.Delete();
            bed.RunUntil(() => bed.Controller.State == ControllerState.Deleted, $"controller deleted ({swarm.Describe()})", 30_000_000_000);
            Assert.False(bed.Controller.TeardownTimedOut, swarm.Describe());
            Assert.Equal(0, tracker.Outstanding);
            Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.IsSuccess || cpl.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{cpl} ({swarm.Describe()})"));
            Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
            foreach (var group in bed.Groups)
            {
                group.Dispose();
            }

            bed.FreeBuffers();
            Assert.Null(bed.HostLeaks());
        });
    }
}
