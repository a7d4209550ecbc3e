using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// CM events of one qpair (SPDK nvme_rdma_process_event_start / _poll, nvme_rdma_qpair_process_cm_event): the qpair
/// waits for one expected event with a deadline; the event may be reaped by any thread and is found in the slot.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>errno EBADMSG: an unexpected CM event arrived.</summary>
    internal const int Ebadmsg = 74;

    private CmEventType _expected;
    private CmWait _wait;
    private long _eventDeadlineNs;

    /// <summary>What to do once the awaited event was processed (SPDK's <c>evt_cb</c>).</summary>
    private enum CmWait
    {
        None,
        AddrResolved,
        RouteResolved,
        Established,
        Disconnected,
        StaleDisconnected,
    }

    /// <summary>SPDK nvme_rdma_process_event_start: consume a stale slot event, then expect <paramref name="expected"/>.</summary>
    private int EventStart(CmEventType expected, CmWait wait)
    {
        if (Evt != null)
        {
            var rc = ProcessCmEvent();
            if (rc != Errno.Ok)
            {
                return rc;
            }
        }

        _expected = expected;
        _wait = wait;
        _eventDeadlineNs = _clock.NowNs + _options.CmEventTimeoutNs;
        return Errno.Ok;
    }

    /// <summary>
    /// SPDK nvme_rdma_process_event_poll (under the controller lock): drain the shared channel unless our slot is
    /// full or the deadline passed; no event yet: EAGAIN; deadline passed: the callback gets EADDRNOTAVAIL.
    /// </summary>
    private int ProcessEventPoll()
    {
        if (Evt == null && _clock.NowNs < _eventDeadlineNs)
        {
            _ctrlr.Events.PollEvents(Owner);
            if (Evt == null)
            {
                return Errno.EAGAIN;
            }
        }

        int rc;
        if (Evt is not { } ev)
        {
            Log($"no {_expected.ToVerbsString()} within the CM event timeout");
            CmEventTimeouts++;
            rc = Errno.EADDRNOTAVAIL;
        }
        else
        {
            rc = ValidateCmEvent(_expected, ev);
            var rc2 = ProcessCmEvent();
            rc = rc == Errno.Ok ? rc2 : rc; // a bad message takes precedence
        }

        var wait = _wait;
        _wait = CmWait.None;
        return OnCmEventDone(wait, rc);
    }

    private int OnCmEventDone(CmWait wait, int rc) => wait switch
    {
        CmWait.AddrResolved => AddrResolved(rc),
        CmWait.RouteResolved => RouteResolved(rc),
        CmWait.Established => ConnectEstablished(rc),
        CmWait.Disconnected => OnDisconnected(rc),
        CmWait.StaleDisconnected => StaleDisconnected(rc),
        _ => throw new InvariantViolationException(InvariantNames.StateTransition, $"{Name}: CM event processed in {_state.ToSpdkName()} with no event expected"),
    };

    /// <summary>SPDK nvme_rdma_validate_cm_event.</summary>
    internal int ValidateCmEvent(CmEventType expected, CmEvent ev)
    {
        if (ev.EventType == expected)
        {
            return Errno.Ok;
        }

        if (expected == CmEventType.Established)
        {
            if (ev.EventType == CmEventType.Rejected && ev.Status == RejectStaleConn)
            {
                return Estale;
            }

            if (ev.EventType == CmEventType.ConnectResponse)
            {
                return Errno.Ok; // a QP not created through the CM gets CONNECT_RESPONSE instead
            }
        }

        Log($"Expected {expected.ToVerbsString()} but received {ev.EventType.ToVerbsString()} ({(int)ev.EventType}) from CM event channel (status = {ev.Status})");
        return Ebadmsg;
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_process_cm_event: act on the slot event and ack it. On the owning thread; under the
    /// controller lock while connecting or disconnecting, without it for an unsolicited event (as HEAD).
    /// </summary>
    internal int ProcessCmEvent()
    {
        if (Evt is not { } ev)
        {
            return Errno.Ok;
        }

        Check.That(ReferenceEquals(ev.Id.Context, this) && ReferenceEquals(ev.Id, CmId), InvariantNames.StateTransition, (this, ev),
            s => $"{s.Item1.Name}: CM event {s.ev} in the slot is not for this qpair's current id");
        _options.Observer?.OnCmEvent(this, ev);
        var rc = Errno.Ok;
        switch (ev.EventType)
        {
            case CmEventType.ConnectResponse:
            case CmEventType.Established:
                Connected = true;
                rc = ReadAcceptData(ev);
                break;
            case CmEventType.Disconnected:
                CmId?.Disconnect(); // moves our QP to ERR so every outstanding WR is flushed
                Connected = false;
                NoteFailure(QpairFailureReason.Remote);
                break;
            case CmEventType.DeviceRemoval:
                NoteFailure(QpairFailureReason.Local);
                NeedDestroy = true;
                break;
            case CmEventType.AddrChange:
                NoteFailure(QpairFailureReason.Local);
                break;
            default:
                break; // address/route results, errors, rejects: the validation reports them; TIMEWAIT_EXIT: nothing to do
        }

        Evt = null;
        _ctrlr.Events.Ack(ev);
        CmEventsConsumed++;
        return rc;
    }

    private int ReadAcceptData(CmEvent ev)
    {
        if (ev.Param.PrivateData.IsEmpty || RdmaCmAccept.TryDecode(ev.Param.PrivateData.Span, out var accept) != RdmaTransportError.None)
        {
            Log("ESTABLISHED without valid accept private data");
            return Errno.EPROTO;
        }

        TargetQueueDepth = accept.Crqsize;
        return Errno.Ok;
    }

    private void NoteFailure(QpairFailureReason reason)
    {
        if (FailureReason == QpairFailureReason.None)
        {
            FailureReason = reason;
        }
    }
}
