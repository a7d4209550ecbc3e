using Harness.Transport.Invariants;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>Keep-alive timer, controller destruction and the queue of target-initiated disconnects.</summary>
public sealed partial class NvmfTarget
{
    private const long NsPerMs = 1_000_000;

    /// <summary>
    /// SPDK's <c>nvmf_ctrlr_keep_alive_poll</c>: past the last Keep Alive + KATO, set CSTS.CFS and disconnect every
    /// qpair of the controller (the admin qpair's disconnect then destroys it). Once only: CFS stays set.
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

    /// <summary>Removes the controller from the subsystem (its CNTLID is free again) and queues its I/O qpairs' disconnect.</summary>
    private void Destroy(NvmfController controller)
    {
        Check.That(!controller.IsDestroyed, InvariantNames.NoLeakOnDestroy, controller, static c => $"{c} destroyed twice");
        controller.IsDestroyed = true;
        controller.PendingReset = NvmfPendingReset.None;
        _controllers.Remove(controller);
        if (controller.IoQpairCount > 0)
        {
            QueueDisconnect(controller, includeAdmin: false);
        }
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
