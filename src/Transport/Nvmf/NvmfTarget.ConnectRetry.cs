using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Transport.Nvmf;

/// <summary>
/// The duplicate-QID re-check of an I/O CONNECT (<c>_retry_qid_check</c>, ctrlr.c:331): the CONNECT is held, checked
/// again once its delay passed, and answered on its qpair's thread (<c>nvmf_ctrlr_send_connect_rsp</c>, ctrlr.c:244).
/// </summary>
public sealed partial class NvmfTarget
{
    private static readonly ThreadMessageFn SendConnectRspMsg = static ctx => ((ConnectRetry)ctx!).Target.SendConnectRsp((ConnectRetry)ctx);

    private readonly List<ConnectRetry> _connectRetries = new();
    private readonly List<ConnectRetry> _connectRetriesDone = new();

    /// <summary>I/O CONNECTs held for a duplicate-QID re-check.</summary>
    public int ConnectRetriesWaiting
    {
        get
        {
            lock (_gate)
            {
                return _connectRetries.Count;
            }
        }
    }

    /// <summary>I/O CONNECTs that found their QID still taken and waited for a re-check.</summary>
    public long DuplicateQidWaits { get; private set; }

    /// <summary>
    /// Re-checks every held CONNECT whose delay passed, in the order they were held. HEAD's re-check reads the controller
    /// through a bare pointer; here the controller is kept until its last re-check ran (<see cref="DestructIfUnused"/>),
    /// and the pre-fix behaviour (a re-check on a destructed controller: use after free) is reported as it would happen.
    /// </summary>
    private void RetryDueConnects(long nowNs)
    {
        for (var i = 0; i < _connectRetries.Count;)
        {
            var retry = _connectRetries[i];
            if (retry.DueNs > nowNs)
            {
                i++;
                continue;
            }

            _connectRetries.RemoveAt(i);
            var controller = retry.Controller;
            Check.That(!controller.IsDestroyed, InvariantNames.ObjectLifetime, (Controller: controller, Qpair: retry.Request.Qpair),
                static s => $"{s.Qpair}: the duplicate-QID re-check of its CONNECT runs on {s.Controller}, destructed while it waited (_retry_qid_check reads freed memory, docs/findings/019)");
            controller.ConnectRetriesPending--;
            retry.Result = AddQpair(retry.Request, controller, retry.Sqsize, retry.RetriesDone);
            CommandsFailed += retry.Result.Status.IsError && !retry.Result.IsHeld ? 1 : 0;
            if (!retry.Result.IsHeld)
            {
                _connectRetriesDone.Add(retry);
            }

            if (controller.QpairMaskCount == 0 && controller.ConnectRetriesPending == 0 && !controller.IsDestroyed)
            {
                DestructIfUnused(controller); // its last qpair went while this CONNECT waited
            }
        }
    }

    /// <summary>Hands each answered re-check to its qpair's thread (outside the lock: the transport may answer at once).</summary>
    private void SendRetriedConnects()
    {
        // Only the acceptor thread polls, so the list is not shared with another caller of Poll.
        for (var i = 0; i < _connectRetriesDone.Count; i++)
        {
            var retry = _connectRetriesDone[i];
            retry.Request.SendToItsThread(SendConnectRspMsg, retry);
        }

        _connectRetriesDone.Clear();
    }

    /// <summary><c>nvmf_ctrlr_send_connect_rsp</c> (ctrlr.c:244) on the qpair's thread: ENABLED if still CONNECTING, then the answer.</summary>
    private void SendConnectRsp(ConnectRetry retry)
    {
        var result = retry.Result;
        if (!result.Status.IsError)
        {
            retry.Request.Qpair.Enable(); // a qpair that started to disconnect meanwhile stays DEACTIVATING (ctrlr.c:253)
        }

        Complete(retry.Request, result);
    }

    /// <summary>A held I/O CONNECT (<c>qpair-&gt;connect_req</c> and its poller): allocated only on this rare path.</summary>
    private sealed class ConnectRetry(NvmfTarget target, INvmfRequest request, NvmfController controller, ushort sqsize, int retriesDone, long dueNs)
    {
        public NvmfTarget Target { get; } = target;

        public INvmfRequest Request { get; } = request;

        public NvmfController Controller { get; } = controller;

        public ushort Sqsize { get; } = sqsize;

        public int RetriesDone { get; } = retriesDone;

        public long DueNs { get; } = dueNs;

        public NvmfResult Result { get; set; }
    }
}
