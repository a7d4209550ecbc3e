using Harness.Sim.Nic;
using Harness.Transport.Invariants;
using Harness.Transport.Target;

namespace Harness.Sim.Oracle;

/// <summary>
/// Bounded liveness of qpair teardown, judged from the NIC's side: once the target has decided to close a qpair and
/// the simulated NIC holds nothing more of its QP for the consumer (QP in ERR or RESET, every send slot freed by a
/// polled completion, no receive posted or unpolled on its own queue or taken from the SRQ, no async event about it
/// queued or unacked) and the controller layer executes none of its commands, nothing can still arrive that the
/// transport would need to wait for. A correct transport then destroys the qpair within
/// <see cref="DrainedPollsMax"/> polls of its poller; one that waits longer is waiting for something that will never
/// come (in SPDK: a qpair that lingers until a timeout, or forever). Checked after every simulator step.
/// </summary>
public sealed class DrainLiveness
{
    /// <summary>Polls of its poller a drained qpair may take to be destroyed.</summary>
    public const int DrainedPollsMax = 8;

    private readonly NvmfRdmaTransport _transport;
    private readonly Dictionary<RdmaQpair, long> _drainedAtPoll = new(ReferenceEqualityComparer.Instance);

    /// <summary>Watches the qpairs of <paramref name="transport"/>, whose QPs are simulated.</summary>
    public DrainLiveness(NvmfRdmaTransport transport) => _transport = transport;

    /// <summary>Checks every closing qpair; throws <c>bounded-liveness</c> for one drained too many polls ago.</summary>
    public void Check()
    {
        var qpairs = _transport.Qpairs;
        for (var i = 0; i < qpairs.Count; i++)
        {
            var qpair = qpairs[i];
            if (qpair.Destroyed || !qpair.ToClose || qpair.Poller is not { } poller || !Drained(qpair))
            {
                _drainedAtPoll.Remove(qpair);
                continue;
            }

            if (!_drainedAtPoll.TryGetValue(qpair, out var since))
            {
                _drainedAtPoll[qpair] = poller.Polls;
                continue;
            }

            Harness.Transport.Invariants.Check.That(poller.Polls - since <= DrainedPollsMax, InvariantNames.BoundedLiveness,
                (qpair, polls: poller.Polls - since), s => Describe(s.qpair, s.polls));
        }
    }

    private static bool Drained(RdmaQpair qpair) =>
        qpair.Executing == 0 && qpair.Qp is SimQp { State: Transport.Verbs.QpState.Err or Transport.Verbs.QpState.Reset, WorkNotPolled: 0 };

    private static string Describe(RdmaQpair qpair, long polls) =>
        $"{qpair}: closing, and its QP has held nothing for {polls} polls (every WR's completion polled, every event " +
        $"acked, nothing executing), but it is not destroyed: current_send_depth {qpair.CurrentSendDepth}, " +
        $"current_recv_depth {qpair.CurrentRecvDepth} of {qpair.MaxQueueDepth}, last_wqe_reached {qpair.LastWqeReached}, " +
        $"queue_depth {qpair.QueueDepth}";
}
