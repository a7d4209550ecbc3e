using System.Collections.Concurrent;
using System.Diagnostics;
using Harness.Sim.Fabric;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The same host code with real threads, the way Coyote will run it: the simulator in threaded mode, the admin
/// poller and each poll group on its own OS thread, the test thread stepping the world. Timeouts are set out of
/// reach because virtual time runs ahead of the threads. What is checked: no deadlock (wall-clock bound), no invariant
/// violation on any thread, every command completed once, a clean delete.
/// </summary>
public sealed class ThreadedHostTests
{
    private const long WallClockLimitMs = 60_000;
    private const long FarAwayNs = long.MaxValue / 4;

    [Fact]
    public void Connect_io_and_delete_with_every_reactor_on_its_own_thread()
    {
        var options = HostBed.DefaultOptions() with
        {
            CmEventTimeoutNs = FarAwayNs,
            LingeringTimeoutNs = FarAwayNs,
            AdminTimeoutNs = FarAwayNs,
            IoTimeoutNs = FarAwayNs,
            ControllerTeardownTimeoutNs = FarAwayNs,
            KeepAliveTimeoutMs = 0,
        };
        using var bed = new HostBed(seed: 11, options, manual: true, threading: SimThreading.Threaded);
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var threads = bed.GroupReactors.Prepend(bed.AdminReactor).Cast<ManualReactor>().Select(r => new Thread(() => Spin(r, stop.Token, failures)) { IsBackground = true, Name = r.Name }).ToList();
        threads.ForEach(t => t.Start());

        bed.Controller.Start();
        Step(bed, () => bed.Controller.State == ControllerState.Ready, failures, "controller ready");
        var qps = Enumerable.Range(0, 4).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % 2], 16)).ToArray();
        var trackers = bed.Groups.Select(_ => new IoTracker()).ToArray();
        var loads = bed.GroupReactors.Select((r, g) => new IoLoad(bed, r, qps.Where((_, i) => i % 2 == g).ToArray(), trackers[g], budget: 400)).ToArray();
        Step(bed, () => qps.All(q => q.State == NvmeRdmaQpairState.Running), failures, "qpairs running");
        Step(bed, () => qps.Sum(q => q.Completed) >= 800, failures, "I/O done");
        bed.Controller.Delete();
        Step(bed, () => bed.Controller.State == ControllerState.Deleted, failures, "controller deleted");

        stop.Cancel();
        Assert.All(threads, t => Assert.True(t.Join(5_000), $"{t.Name} did not stop"));
        Assert.Empty(failures);
        Assert.All(trackers, t => Assert.Equal(0, t.Outstanding));
        Assert.All(trackers.SelectMany(t => t.Completions), c => Assert.True(c.Status.IsSuccess || c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{c}"));
        Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
        foreach (var group in bed.Groups)
        {
            group.Dispose();
        }

        bed.FreeBuffers();
        Assert.Null(bed.HostLeaks());
    }

    private static void Spin(ManualReactor reactor, CancellationToken stop, ConcurrentQueue<Exception> failures)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (reactor.PollOnce() == 0)
                {
                    Thread.Yield();
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
                return;
            }
        }
    }

    /// <summary>The test thread steps the world (yielding to the reactor threads) until <paramref name="done"/>.</summary>
    private static void Step(HostBed bed, Func<bool> done, ConcurrentQueue<Exception> failures, string what)
    {
        var clock = Stopwatch.StartNew();
        bed.Fabric.Start();
        while (!done())
        {
            if (!failures.IsEmpty)
            {
                throw new Xunit.Sdk.XunitException($"{what}: a reactor thread failed: {failures.First()}");
            }

            if (clock.ElapsedMilliseconds > WallClockLimitMs)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen within {WallClockLimitMs} ms of wall-clock time");
            }

            bed.Fabric.World.Step();
            Thread.Yield();
        }
    }
}
