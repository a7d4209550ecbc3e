using Harness.Transport.Invariants;
using Harness.Transport.Target;

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
    private void CheckKeepAlive(NvmfController controller, long nowNs)
    {
        if (controller.KeepAliveTimeoutMs == 0 || controller.KeepAliveStopped || controller.Csts.Cfs || controller.IsDestroyed)
        {
            return;
        }

        if (nowNs - controller.LastKeepAliveNs <= controller.KeepAliveTimeoutMs * NsPerMs)
        {
            return;
        }

        controller.Csts = controller.Csts with { Cfs = true };
        KeepAliveExpirations++;
        QueueDisconnect(controller, includeAdmin: true);
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
            return; // the last re-check destructs it (RetryConnect)
        }

        controller.IsDestroyed = true;
        controller.PendingReset = NvmfPendingReset.None;
        _controllers.Remove(controller);
    }

    private void QueueDisconnect(NvmfController controller, bool includeAdmin)
    {
        controller.DisconnectAdminQueued |= includeAdmin;
        if (!controller.DisconnectQueued)
        {
            controller.DisconnectQueued = true;
            _pendingDisconnects.Enqueue(controller);
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
