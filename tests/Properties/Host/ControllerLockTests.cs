using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The controller lock as SPDK HEAD's <c>ctrlr_lock</c> (a recursive mutex every site takes blocking, never tried):
/// a holder on another OS thread makes <see cref="ControllerLock.Enter"/> wait until it releases; a holder suspended
/// on the caller's own OS thread (a cooperative run, preempted by a hook) makes it return false at once, since waiting
/// would never end; the same owner re-enters.
/// </summary>
public sealed class ControllerLockTests
{
    private const int WallClockLimitMs = 30_000;

    [Fact]
    public void Enter_waits_for_a_holder_on_another_thread_and_gets_the_lock_when_it_releases()
    {
        var ctrlrLock = new ControllerLock("test");
        var holder = new object();
        var waiter = new object();
        Assert.True(ctrlrLock.Enter(holder));

        var entered = false;
        var thread = new Thread(() => entered = ctrlrLock.Enter(waiter)) { IsBackground = true };
        thread.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ctrlrLock.Blocked == 0)
        {
            Assert.True(clock.ElapsedMilliseconds < WallClockLimitMs, "the second owner never waited for the lock (a try-lock returns at once)");
            Assert.True(thread.IsAlive, $"the second owner returned {entered} without waiting while the lock was held");
            Thread.Yield();
        }

        Assert.True(thread.IsAlive); // still waiting: the holder has not released
        Assert.True(ctrlrLock.IsHeldBy(holder));
        ctrlrLock.Exit(holder);
        Assert.True(thread.Join(WallClockLimitMs), "the waiter did not get the lock once it was released");
        Assert.True(entered);
        Assert.True(ctrlrLock.IsHeldBy(waiter));
        Assert.Equal(0, ctrlrLock.Deferred);
        ctrlrLock.Exit(waiter);
        Assert.Null(ctrlrLock.Owner);
    }

    [Fact]
    public void Enter_defers_when_the_holder_is_suspended_on_the_same_thread_and_the_owner_re_enters()
    {
        var ctrlrLock = new ControllerLock("test");
        var holder = new object();
        var other = new object();
        bool? deferredResult = null;

        // The whole sequence on one thread of its own, so that an Enter that blocked would fail the test, not hang it.
        var thread = new Thread(() =>
        {
            ctrlrLock.Enter(holder);
            ctrlrLock.Enter(holder); // recursive, as SPDK's mutex
            deferredResult = ctrlrLock.Enter(other);
            ctrlrLock.Exit(holder);
        })
        { IsBackground = true };
        thread.Start();

        Assert.True(thread.Join(WallClockLimitMs), "Enter waited for a holder suspended on its own thread: it would wait forever");
        Assert.False(deferredResult);
        Assert.Equal(1, ctrlrLock.Deferred);
        Assert.Equal(0, ctrlrLock.Blocked);
        Assert.True(ctrlrLock.IsHeldBy(holder)); // one level of the two left
        ctrlrLock.Exit(holder);
        Assert.Null(ctrlrLock.Owner);
        Assert.True(ctrlrLock.Enter(other));
        ctrlrLock.Exit(other);
    }

    /// <summary>
    /// Cooperative run: poll group 0 holds the lock while it disconnects its qpair, and is preempted right there; poll
    /// group 1 runs a round in which its own qpair must disconnect too. HEAD's thread 1 would sit in nvme_ctrlr_lock: the
    /// round ends at that qpair (nothing else done), and the next round does the disconnect first.
    /// </summary>
    [Fact]
    public void A_poll_group_whose_qpair_would_block_on_the_lock_ends_its_round_there_and_resumes_at_it()
    {
        var hook = new GroupOnePreempts();
        var options = HostBed.DefaultOptions() with { Interleaving = hook, KeepAliveTimeoutMs = 0 };
        using var bed = new HostBed(options: options, groups: 2, manual: true);
        bed.StartController();
        var qpairs = bed.ConnectIoQpairs(2);
        hook.Bed = bed;
        hook.Target = qpairs[0];
        hook.Other = qpairs[1];

        qpairs[1].Disconnect();
        qpairs[0].Disconnect();
        ((ManualReactor)bed.GroupReactors[0]).PollOnce();

        Assert.True(hook.Fired);
        Assert.Equal(1, bed.Groups[1].LockWaits);
        Assert.Equal(NvmeRdmaQpairState.Running, hook.OtherStateInRound); // its step did not run without the lock
        ((ManualReactor)bed.GroupReactors[1]).PollOnce();
        Assert.Equal(NvmeRdmaQpairState.Exiting, qpairs[1].State); // first thing in the next round
        bed.RunUntil(() => qpairs.All(q => q.State == NvmeRdmaQpairState.Exited), "both qpairs disconnected");
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    /// <summary>At group 0's disconnect (lock held), poll group 1 runs one round on the same OS thread.</summary>
    private sealed class GroupOnePreempts : IHostInterleaving
    {
        public HostBed? Bed { get; set; }

        public NvmeRdmaQpair? Target { get; set; }

        public NvmeRdmaQpair? Other { get; set; }

        public bool Fired { get; private set; }

        public NvmeRdmaQpairState OtherStateInRound { get; private set; }

        public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
        {
            if (point != HostInterleavingPoint.DisconnectAfterRdmaDisconnect || !ReferenceEquals(qpair, Target) || Fired)
            {
                return;
            }

            Fired = true;
            ((ManualReactor)Bed!.GroupReactors[1]).PollOnce();
            OtherStateInRound = Other!.State;
        }
    }
}
