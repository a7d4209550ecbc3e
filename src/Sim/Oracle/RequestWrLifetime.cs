using Harness.Sim.Nic;
using Harness.Transport.Invariants;
using Harness.Transport.Target;

namespace Harness.Sim.Oracle;

/// <summary>
/// Object lifetime of a target request against its work requests, judged from the NIC's side: a request may be freed
/// only once the NIC holds none of its WRs (every data WR and its response SEND completed and polled). In SPDK every
/// such WR's wr_id points into the request, so a completion that comes after the free is processed for whatever the
/// request has become: a completion for a freed request, or one taken for the command that reused it (the port's
/// counters cannot tell either). A device that is gone is the one exception: its WRs will never complete.
/// </summary>
public static class RequestWrLifetime
{
    /// <summary>Checks <paramref name="request"/>, which has just become FREE; throws <c>object-lifetime</c>.</summary>
    public static void CheckFreed(RdmaRequest request)
    {
        if (request.Qpair is not { Qp: SimQp qp } qpair || qpair.Poller is not { NeedDestroy: false } || qp.Destroyed)
        {
            return;
        }

        var data = qp.SendWrsHeld(request.DataWrId);
        var rsp = qp.SendWrsHeld(request.RspWrId);
        Check.That(data + rsp == 0, InvariantNames.ObjectLifetime, (request, qp, data, rsp),
            s => $"{s.request} was freed while {s.qp} still holds {s.data} data WR(s) and {s.rsp} response SEND(s) carrying its wr_id: their completions will be processed for the request's next use");
    }
}
