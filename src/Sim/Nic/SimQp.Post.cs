using Harness.Sim.Contract;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>Posting and modifying.</summary>
public sealed partial class SimQp
{
    /// <inheritdoc/>
    public int PostSend(ReadOnlySpan<SendWorkRequest> wrs, out int badWrIndex)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_post_send");
            var failAt = PostFaultAt(PostQueue.Send, wrs.Length, out var injected);
            for (var i = 0; i < wrs.Length; i++)
            {
                var rc = i == failAt ? PostFailed(i, wrs[i].WrId, injected) : PostOneSend(wrs[i]);
                if (rc != Errno.Ok)
                {
                    badWrIndex = i;
                    AfterPost();
                    return rc;
                }
            }

            badWrIndex = -1;
            AfterPost();
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_post_recv");
            var failAt = PostFaultAt(PostQueue.Recv, wrs.Length, out var injected);
            for (var i = 0; i < wrs.Length; i++)
            {
                var rc = i == failAt ? PostFailed(i, wrs[i].WrId, injected) : PostOneRecv(wrs[i]);
                if (rc != Errno.Ok)
                {
                    badWrIndex = i;
                    return rc;
                }
            }

            badWrIndex = -1;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Modify(in QpAttr attr, QpAttrMask mask)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_modify_qp");
            var current = State;
            var next = (mask & QpAttrMask.State) != 0 ? attr.QpState : current;
            if ((mask & QpAttrMask.CurState) != 0 && attr.CurQpState != current)
            {
                return Errno.EINVAL;
            }

            var rc = QpTransitionTable.Check(current, next, mask, out _);
            if (rc != Errno.Ok || (rc = CheckValues(attr, mask)) != Errno.Ok)
            {
                return rc;
            }

            ApplyAttributes(attr, mask);
            if ((mask & QpAttrMask.State) != 0)
            {
                Transition(next, attr, mask);
            }

            return Errno.Ok;
        }
    }

    private int PostOneSend(in SendWorkRequest wr)
    {
        if (Destroyed || State is QpState.Reset or QpState.Init or QpState.Rtr)
        {
            return Errno.EINVAL;
        }

        VerbsContract.That(wr.NumSge >= 0 && wr.NumSge <= _cap.MaxSendSge, World, VerbsContract.PostBeyondCaps, this, "ibv_post_send: num_sge past max_send_sge");
        if (!IsSupported(wr.Opcode))
        {
            return Errno.EINVAL;
        }

        // Full, counting finished WRs whose completions are not polled yet (mlx5): a consumer that keeps its send depth
        // within max_send_wr never sees this; SPDK counts exactly for that.
        VerbsContract.That(_sqTail - _sqFree < _sq.Length, World, VerbsContract.PostBeyondCaps, this, "ibv_post_send: max_send_wr WRs already in the send queue");

        var index = SlotIndex(_sqTail);
        ref var slot = ref _sq[index];
        if ((wr.Flags & SendFlags.Inline) != 0 && !CaptureInline(wr, index))
        {
            return Errno.EINVAL;
        }

        slot = default;
        slot.Wr = wr;
        slot.Kind = KindOf(wr.Opcode);
        slot.Phase = SlotPhase.Posted;
        _sqTail++;
        World.Record(new TraceRecord
        {
            Kind = TraceKind.PostSend,
            Node = HostName,
            Qp = QpNum,
            WrId = wr.WrId,
            Op = wr.Opcode.ToName(),
            Length = wr.TotalLength(),
        });
        if (State == QpState.Err)
        {
            slot.Phase = SlotPhase.Done;
            slot.Status = WcStatus.WrFlushErr;
        }

        return Errno.Ok;
    }

    private void AfterPost()
    {
        if (State == QpState.Err)
        {
            DrainCompletions();
        }
        else
        {
            TryStartNext();
        }
    }

    private static bool IsSupported(WrOpcode op) =>
        op is WrOpcode.Send or WrOpcode.SendWithImm or WrOpcode.SendWithInv or WrOpcode.RdmaWrite or WrOpcode.RdmaWriteWithImm or WrOpcode.RdmaRead;

    private bool CaptureInline(in SendWorkRequest wr, int index)
    {
        if (_inline == null || wr.Opcode == WrOpcode.RdmaRead || wr.TotalLength() > (ulong)_inline[index].Length)
        {
            return false;
        }

        var offset = 0;
        for (var i = 0; i < wr.NumSge; i++)
        {
            var sge = wr.SgList[i];
            if (!Device.Host.MemoryImpl.TryResolve(sge.Addr, (int)sge.Length, out var bytes))
            {
                return false;
            }

            bytes.CopyTo(_inline[index].AsSpan(offset));
            offset += (int)sge.Length;
        }

        return true;
    }

    private int PostOneRecv(in RecvWorkRequest wr)
    {
        if (Destroyed || _srq != null || State == QpState.Reset)
        {
            return Errno.EINVAL;
        }

        VerbsContract.That(wr.NumSge >= 0 && wr.NumSge <= _cap.MaxRecvSge, World, VerbsContract.PostBeyondCaps, this, "ibv_post_recv: num_sge past max_recv_sge");

        // Full, counting consumed receives whose completions are not polled yet (mlx5).
        VerbsContract.That(_rqCount + _rqUnpolled < _rq.Length, World, VerbsContract.PostBeyondCaps, this, "ibv_post_recv: max_recv_wr receives already in the receive queue");

        World.Record(new TraceRecord { Kind = TraceKind.PostRecv, Node = HostName, Qp = QpNum, WrId = wr.WrId, Op = "RECV", Length = wr.TotalLength() });
        ReceiveLedger.Posted(_recvWrIds, wr.WrId, World, this);
        if (State == QpState.Err)
        {
            PushRecvCompletion(wr.WrId, WcStatus.WrFlushErr, 0, WcFlags.None, 0, 0);
            return Errno.Ok;
        }

        _rq[(_rqHead + _rqCount) % _rq.Length] = wr;
        _rqCount++;
        return Errno.Ok;
    }

    private int CheckValues(in QpAttr attr, QpAttrMask mask)
    {
        var o = Device.Host.Fabric.Options;
        var bad =
            ((mask & QpAttrMask.RetryCnt) != 0 && attr.RetryCnt > VerbsLimits.RetryCountMax) ||
            ((mask & QpAttrMask.RnrRetry) != 0 && attr.RnrRetry > VerbsLimits.RetryCountMax) ||
            ((mask & QpAttrMask.Timeout) != 0 && attr.Timeout > VerbsLimits.AckTimeoutExponentMax) ||
            ((mask & QpAttrMask.MinRnrTimer) != 0 && attr.MinRnrTimer > 31) ||
            ((mask & QpAttrMask.MaxQpRdAtomic) != 0 && attr.MaxRdAtomic > o.MaxQpRdAtom) ||
            ((mask & QpAttrMask.MaxDestRdAtomic) != 0 && attr.MaxDestRdAtomic > o.MaxQpRdAtom) ||
            ((mask & QpAttrMask.Port) != 0 && attr.PortNum != 1) ||
            ((mask & QpAttrMask.PathMtu) != 0 && (attr.PathMtu < Mtu.Mtu256 || attr.PathMtu > Mtu.Mtu4096));
        return bad ? Errno.EINVAL : Errno.Ok;
    }

    private void ApplyAttributes(in QpAttr a, QpAttrMask m)
    {
        if ((m & QpAttrMask.AccessFlags) != 0) { _attr.QpAccessFlags = a.QpAccessFlags; }
        if ((m & QpAttrMask.PkeyIndex) != 0) { _attr.PkeyIndex = a.PkeyIndex; }
        if ((m & QpAttrMask.Port) != 0) { _attr.PortNum = a.PortNum; }
        if ((m & QpAttrMask.Av) != 0) { _attr.AhAttr = a.AhAttr; }
        if ((m & QpAttrMask.PathMtu) != 0) { _attr.PathMtu = a.PathMtu; }
        if ((m & QpAttrMask.DestQpn) != 0) { _attr.DestQpNum = a.DestQpNum; }
        if ((m & QpAttrMask.RqPsn) != 0) { _attr.RqPsn = a.RqPsn; }
        if ((m & QpAttrMask.SqPsn) != 0) { _attr.SqPsn = a.SqPsn; _nextPsn = a.SqPsn & PsnMask; }
        if ((m & QpAttrMask.MaxDestRdAtomic) != 0) { _attr.MaxDestRdAtomic = a.MaxDestRdAtomic; }
        if ((m & QpAttrMask.MaxQpRdAtomic) != 0) { _attr.MaxRdAtomic = a.MaxRdAtomic; }
        if ((m & QpAttrMask.MinRnrTimer) != 0) { _attr.MinRnrTimer = a.MinRnrTimer; }
        if ((m & QpAttrMask.Timeout) != 0) { _attr.Timeout = a.Timeout; }
        if ((m & QpAttrMask.RetryCnt) != 0) { _attr.RetryCnt = a.RetryCnt; }
        if ((m & QpAttrMask.RnrRetry) != 0) { _attr.RnrRetry = a.RnrRetry; }
    }

    private void Transition(QpState next, in QpAttr attr, QpAttrMask mask)
    {
        switch (next)
        {
            case QpState.Reset:
                ResetQueues();
                SetState(QpState.Reset);
                break;
            case QpState.Err:
                EnterError();
                break;
            case QpState.Sqd:
                _sqdNotify = (mask & QpAttrMask.EnSqdAsyncNotify) != 0 && attr.SqDrainAsyncNotify;
                SetState(QpState.Sqd);
                CheckSqDrained();
                break;
            case QpState.Rts:
                SetState(QpState.Rts);
                TryStartNext();
                break;
            default:
                SetState(next);
                break;
        }
    }

    /// <summary>RESET discards everything outstanding without completions, as ibv_modify_qp(RESET) does.</summary>
    private void ResetQueues()
    {
        Array.Clear(_sq);
        _sqFree = _sqHead = _sqStart = _sqTail = 0;
        _rqHead = _rqCount = _rqUnpolled = _srqUnpolled = 0;
        _recvWrIds.Clear();
        _epoch++; // completions written before the reset give back nothing: their queue is gone
        _readsInFlight = 0;
        _txFreeNs = 0;
        _attr = default;
    }
}
