using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Harness.Sim.Fabric;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The same host code with real threads, the way Coyote will run it: the simulator in threaded mode, the admin
/// poller and each poll group on its own OS thread, the test thread stepping the world. Timeouts are set out of
/// reach, and the stepping thread lets virtual time move on only after every reactor thread has polled since the last
/// event (as the cooperative mode does): a reactor thread the OS leaves unscheduled for a few milliseconds would
/// otherwise see seconds of virtual time pass (CI saw the controller fail CAP.TO that way). What is checked: no deadlock
/// (wall-clock bound), no invariant violation on any thread, every command completed once, a clean delete.
/// </summary>
public sealed class ThreadedHostTests
{
    private const long WallClockLimitMs = 60_000;

    /// <summary>Whole polls each reactor finishes after an event before the next: one may have begun before it.</summary>
    private const long PollsPerEventMin = 2;
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
        var reactors = bed.GroupReactors.Prepend(bed.AdminReactor).Cast<ManualReactor>().ToArray();
        var threads = reactors.Select(r => new Thread(() => Spin(r, stop.Token, failures)) { IsBackground = true, Name = r.Name }).ToList();
        threads.ForEach(t => t.Start());

        bed.Controller.Start();
        Step(bed, reactors, () => bed.Controller.State == ControllerState.Ready, failures, "controller ready");
        var qps = Enumerable.Range(0, 4).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % 2], 16)).ToArray();
        var trackers = bed.Groups.Select(_ => new IoTracker()).ToArray();
        var loads = bed.GroupReactors.Select((r, g) => new IoLoad(bed, r, qps.Where((_, i) => i % 2 == g).ToArray(), trackers[g], budget: 400)).ToArray();
        Step(bed, reactors, () => qps.All(q => q.State == NvmeRdmaQpairState.Running), failures, "qpairs running");
        Step(bed, reactors, () => qps.Sum(q => q.Completed) >= 800, failures, "I/O done");
        bed.Controller.Delete();
        Step(bed, reactors, () => bed.Controller.State == ControllerState.Deleted, failures, "controller deleted");

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

    /// <summary>
    /// The test thread steps the world until <paramref name="done"/>, one event at a time, each followed by at least one
    /// whole poll of every reactor thread.
    /// </summary>
    private static void Step(HostBed bed, ManualReactor[] reactors, Func<bool> done, ConcurrentQueue<Exception> failures, string what)
    {
        var clock = Stopwatch.StartNew();
        var polled = new long[reactors.Length];
        bed.Fabric.Start();
        while (!done())
        {
            Check(bed, clock, failures, what);
            if (bed.Controller.State == ControllerState.Failed)
            {
                throw new Xunit.Sdk.XunitException($"{what}: the controller failed: {Describe(bed)}");
            }

            bed.Fabric.World.Step();
            for (var i = 0; i < reactors.Length; i++)
            {
                polled[i] = reactors[i].Polls + PollsPerEventMin;
            }

            for (var i = 0; i < reactors.Length; i++)
            {
                while (reactors[i].Polls < polled[i])
                {
                    Check(bed, clock, failures, what);
                    Thread.Yield();
                }
            }
        }
    }

    private static void Check(HostBed bed, Stopwatch clock, ConcurrentQueue<Exception> failures, string what)
    {
        if (!failures.IsEmpty)
        {
            throw new Xunit.Sdk.XunitException($"{what}: a reactor thread failed: {failures.First()}");
        }

        if (clock.ElapsedMilliseconds > WallClockLimitMs)
        {
            throw new Xunit.Sdk.XunitException($"{what} did not happen within {WallClockLimitMs} ms of wall-clock time: {Describe(bed)}");
        }
    }

    private static string Describe(HostBed bed) =>
        $"{bed.Controller}, admin {bed.Controller.AdminQpair}, I/O [{string.Join(", ", bed.Controller.IoQpairs)}], " +
        $"virtual time {bed.NowNs} ns, next event {bed.Fabric.World.NextEventTimeNs?.ToString(CultureInfo.InvariantCulture) ?? "none"}, " +
        $"{bed.Fabric.World.EventsProcessed} events, CM events got {bed.Controller.CmEventsGot} acked {bed.Controller.CmEventsAcked}";
}
