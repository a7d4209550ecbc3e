using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Transport.Nvmf;

/// <summary>Keep-alive timer, controller destruct and the queue of target-initiated disconnects.</summary>
public sealed partial class NvmfTarget
{
    private const long NsPerMs = 1_000_000;

    /// <summary>
    /// SPDK's <c>nvmf_ctrlr_keep_alive_poll</c> (ctrlr.c:155): past the last Keep Alive + KATO, set CSTS.CFS and
    /// disconnect every qpair of the controller (the last one's fini then destructs it). Once only: CFS stays set. It
    /// keeps running while the controller lives without its admin qpair, as HEAD's poller does.
    /// </summary>
    private bool CheckKeepAlive(NvmfController controller, long nowNs)
    {
        if (nowNs < KeepAliveDueNs(controller))
        {
            return false; // no timer, or not expired: more than KATO since the last Keep Alive expires it
        }

        controller.Csts = controller.Csts with { Cfs = true };
        KeepAliveExpirations++;
        QueueDisconnect(controller, includeAdmin: true);
        return true;
    }

    /// <summary>
    /// <c>nvmf_ctrlr_start_keep_alive_timer</c> (ctrlr.c:194): with a non-zero KATO, the keep-alive poller is registered
    /// on the controller's thread (once: the port's poller reads the current KATO on every run, so a Set Features
    /// changes it without re-registering). Without a controller thread <see cref="Poll"/> checks the timer instead.
    /// </summary>
    private void StartKeepAliveTimer(NvmfController controller, bool resetLastKeepAlive = true)
    {
        if (resetLastKeepAlive)
        {
            controller.LastKeepAliveNs = _clock.NowNs;
        }

        if (controller.KeepAliveTimeoutMs == 0 || controller.Thread == null || controller.KeepAlivePoller != null)
        {
            return;
        }

        Check.That(!controller.IsDestroyed, InvariantNames.ObjectLifetime, controller, static c => $"{c}: keep-alive poller registered after its destruct");
        controller.KeepAlivePoller = new KeepAlivePollerOf(this, controller); // once per controller: not a hot path
        controller.Thread.AddPoller(controller.KeepAlivePoller);
    }

    /// <summary><c>nvmf_ctrlr_stop_keep_alive_timer</c> (ctrlr.c:70), from the destruct (ctrlr.c:659).</summary>
    private static void StopKeepAliveTimer(NvmfController controller)
    {
        if (controller.KeepAlivePoller is { } poller)
        {
            controller.KeepAlivePoller = null;
            controller.Thread!.RemovePoller(poller);
        }
    }

    /// <summary>
    /// One run of <c>nvmf_ctrlr_keep_alive_poll</c> (ctrlr.c:155) on the controller's thread: on expiry the disconnects of
    /// the controller's qpairs go out from here, to each qpair's thread by message (the transport's
    /// <c>spdk_nvmf_qpair_disconnect</c>), as HEAD's <c>spdk_for_each_channel</c> does.
    /// </summary>
    private int PollKeepAlive(NvmfController controller)
    {
        lock (_gate)
        {
            Check.That(controller.KeepAlivePoller != null || controller.IsDestroyed, InvariantNames.ObjectLifetime, controller,
                static c => $"{c}: keep-alive poller runs unregistered");
            var expired = !controller.IsDestroyed && CheckKeepAlive(controller, _clock.NowNs);
            if (expired)
            {
                FlushDisconnects();
            }

            return expired ? 1 : 0;
        }
    }

    /// <summary>When <see cref="CheckKeepAlive"/> would first find the controller's timer expired (never when it has none).</summary>
    private static long KeepAliveDueNs(NvmfController controller) =>
        controller.KeepAliveTimeoutMs == 0 || controller.KeepAliveStopped || controller.Csts.Cfs || controller.IsDestroyed
            ? ITimedPoller.Never
            : controller.LastKeepAliveNs + (controller.KeepAliveTimeoutMs * NsPerMs) + 1;

    private sealed class KeepAlivePollerOf(NvmfTarget target, NvmfController controller) : ITimedPoller
    {
        public string Name => "nvmf_ctrlr_keep_alive_poll";

        public long NextRunNs => KeepAliveDueNs(controller);

        public int Poll() => target.PollKeepAlive(controller);
    }

    /// <summary>
    /// <c>nvmf_ctrlr_destruct</c> (ctrlr.c:675) once the controller's last qpair is gone (nvmf.c:1552–1557): it leaves the
    /// subsystem (its CNTLID is free again) and its keep-alive timer stops. An I/O CONNECT waiting for its duplicate-QID
    /// re-check still names the controller, so the destruct waits for it (docs/findings/019: HEAD frees the controller
    /// under it, <c>--defect connect-retry-after-ctrlr-destruct</c>).
    /// </summary>
    private void DestructIfUnused(NvmfController controller)
    {
        Check.That(!controller.IsDestroyed, InvariantNames.NoLeakOnDestroy, controller, static c => $"{c} destructed twice");
        Check.That(controller.QpairMaskCount == 0, InvariantNames.StateTransition, controller,
            static c => $"{c} destructed with {c.QpairMaskCount} qpairs in its qpair mask");
        if (controller.ConnectRetriesPending > 0 && !Options.Defects.HasFlag(KnownDefects.ConnectRetryAfterCtrlrDestruct))
        {
            return; // the last re-check destructs it (RetryDueConnects)
        }

        controller.IsDestroyed = true;
        controller.PendingReset = NvmfPendingReset.None;
        _controllers.Remove(controller);
        _unthreadedControllers -= controller.Thread == null ? 1 : 0;
        Check.That(_unthreadedControllers >= 0, InvariantNames.DepthCounters, controller, static c => $"{c}: more controllers without a thread destructed than created");
        StopKeepAliveTimer(controller);
    }

    private void QueueDisconnect(NvmfController controller, bool includeAdmin)
    {
        controller.DisconnectAdminQueued |= includeAdmin;
        if (!controller.DisconnectQueued)
        {
            controller.DisconnectQueued = true;
            _pendingDisconnects.Enqueue(controller);
            WakeAcceptor(); // flushed by Poll unless the caller flushes first
        }
    }

    /// <summary>
    /// Disconnects the qpairs of every queued controller, I/O qpairs by ascending QID, then the admin qpair if asked.
    /// Each <see cref="INvmfQpair.Disconnect"/> may call <see cref="OnQpairDisconnect"/> back (as the RDMA transport
    /// does), which may queue more; the loop runs until nothing is queued.
    /// </summary>
    private void FlushDisconnects()
    {
        while (_pendingDisconnects.TryDequeue(out var controller))
        {
            var includeAdmin = controller.DisconnectAdminQueued;
            controller.DisconnectQueued = false;
            controller.DisconnectAdminQueued = false;
            _disconnectScratch.Clear();
            for (var qid = 1; qid <= controller.IoQidMax && _disconnectScratch.Count < controller.IoQpairCount; qid++)
            {
                if (controller.GetIoQpair(qid) is { } io)
                {
                    _disconnectScratch.Add(io);
                }
            }

            if (includeAdmin && controller.AdminQpair is { } admin)
            {
                _disconnectScratch.Add(admin);
            }

            for (var i = 0; i < _disconnectScratch.Count; i++)
            {
                var qpair = _disconnectScratch[i];
                if (qpair.Controller == controller && controller.Owns(qpair))
                {
                    qpair.Disconnect();
                }
            }
        }
    }
}
