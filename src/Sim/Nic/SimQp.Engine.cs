using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>The requester side: starting, transmitting, retrying and completing send WRs in order.</summary>
public sealed partial class SimQp
{
    /// <summary>PSNs are 24 bits and wrap.</summary>
    private const uint PsnMask = 0xFFFFFF;

    /// <summary>The PSN the next WR's first packet takes (IBA 9.7.1: each packet one, a READ one per response packet).</summary>
    private uint _nextPsn;

    private long AckTimeoutNs => _attr.Timeout == 0 ? long.MaxValue / 4 : 4096L << _attr.Timeout;

    private long SerializationNs(ulong bytes) => (long)bytes * Device.Host.Fabric.Options.PicosecondsPerByte / 1000;

    private long LatencyNs => Device.Host.Fabric.Options.LinkLatencyNs;

    /// <summary>Starts posted WRs in order while the QP is in RTS and the read/fence limits allow.</summary>
    private void TryStartNext()
    {
        while (State == QpState.Rts && _sqStart < _sqTail)
        {
            var index = SlotIndex(_sqStart);
            ref var slot = ref _sq[index];
            if (slot.Phase != SlotPhase.Posted)
            {
                _sqStart++;
                continue;
            }

            var isRead = slot.Wr.Opcode == WrOpcode.RdmaRead;
            if ((isRead && _attr.MaxRdAtomic > 0 && _readsInFlight >= _attr.MaxRdAtomic) ||
                ((slot.Wr.Flags & SendFlags.Fence) != 0 && _readsInFlight > 0))
            {
                return; // RC processes the send queue in order: everything behind waits too
            }

            _sqStart++;
            Start(index, ref slot);
        }
    }

    private void Start(int index, ref SendSlot slot)
    {
        var proc = Device.Host.Fabric.Options.NicProcessingNs;
        slot.Phase = SlotPhase.InFlight;
        slot.Ticket = NewTicket();
        var nth = ++_kindCounts[(int)slot.Kind];
        var isRead = slot.Wr.Opcode == WrOpcode.RdmaRead;
        if (isRead && _attr.MaxRdAtomic == 0)
        {
            FinishAt(index, WcStatus.LocQpOpErr, World.NowNs + proc);
            return;
        }

        var inline = (slot.Wr.Flags & SendFlags.Inline) != 0;
        var needed = isRead ? AccessFlags.LocalWrite : AccessFlags.None;
        if (!inline && !SimDma.ValidateLocal(Device, _pd, slot.Wr.SgList[..slot.Wr.NumSge], needed))
        {
            FinishAt(index, WcStatus.LocProtErr, World.NowNs + proc);
            return;
        }

        if (isRead)
        {
            _readsInFlight++;
            slot.HoldsReadCredit = true;
        }

        var faults = Device.Host.Fabric.Faults;
        if (faults.TryWcError(HostName, Ordinal, QpNum, slot.Kind, nth, out var injected))
        {
            // An injected retry-exceeded is played out as real packet loss, so the trace shows every retransmission.
            slot.DropsLeft = injected == WcStatus.RetryExcErr ? _attr.RetryCnt + 1 : 0;
            slot.InjectedStatus = injected == WcStatus.RetryExcErr ? WcStatus.Success : injected;
        }
        else
        {
            slot.DropsLeft = faults.PacketDrops(HostName, Ordinal, QpNum, slot.Kind, nth, _attr.RetryCnt);
        }

        if (faults.SwarmTimedFault(HostName, Ordinal) is { } timed)
        {
            Device.Host.Fabric.Inject(timed);
        }

        slot.FirstPsn = _nextPsn;
        _nextPsn = (_nextPsn + (uint)Wire.WireCapture.PacketCount((long)slot.Wr.TotalLength(), Wire.WireCapture.MtuBytes(this))) & PsnMask;
        var bytes = isRead ? 0UL : slot.Wr.TotalLength();
        var tx = Math.Max(World.NowNs + proc, _txFreeNs);
        _txFreeNs = tx + SerializationNs(bytes);
        World.ScheduleAt(_txFreeNs, this, EvTransmit, index, slot.Ticket);
    }

    private void OnTransmit(int index)
    {
        ref var slot = ref _sq[index];
        if (slot.Attempts > 0)
        {
            World.Record(new TraceRecord { Kind = TraceKind.Retry, Node = HostName, Qp = QpNum, WrId = slot.Wr.WrId, Op = "retransmit", Arg = slot.Attempts });
        }

        Device.Host.Fabric.Capture?.Request(this, slot.Wr, (slot.Wr.Flags & SendFlags.Inline) != 0 ? _inline![index] : default, slot.FirstPsn, slot.Transmitted);
        slot.Transmitted = true;
        if (slot.DropsLeft > 0 || !LinkUp())
        {
            slot.DropsLeft = Math.Max(0, slot.DropsLeft - 1);
            Lost(index, ref slot);
            return;
        }

        World.Schedule(LatencyNs, this, EvArrive, index, slot.Ticket);
    }

    /// <summary>A transmission got no ACK: retransmit after the ACK timeout, or give up after retry_cnt retries.</summary>
    private void Lost(int index, ref SendSlot slot)
    {
        slot.Attempts++;
        if (slot.Attempts > _attr.RetryCnt)
        {
            FinishAt(index, WcStatus.RetryExcErr, World.NowNs + AckTimeoutNs);
            return;
        }

        slot.Ticket = NewTicket();
        World.Schedule(AckTimeoutNs, this, EvTransmit, index, slot.Ticket);
    }

    private bool LinkUp() => !Device.Removed && Device.PortState == PortState.Active;

    /// <summary>Schedules the WR's completion with <paramref name="status"/> at <paramref name="atNs"/>.</summary>
    private void FinishAt(int index, WcStatus status, long atNs)
    {
        ref var slot = ref _sq[index];
        slot.PendingStatus = status;
        slot.Ticket = NewTicket();
        World.ScheduleAt(atNs, this, EvDone, index, slot.Ticket);
    }

    private void OnDone(int index)
    {
        ref var slot = ref _sq[index];
        slot.Phase = SlotPhase.Done;
        slot.Status = slot.PendingStatus;
        ReleaseReadCredit(ref slot);
        DrainCompletions();
        TryStartNext();
        CheckSqDrained();
    }

    private void ReleaseReadCredit(ref SendSlot slot)
    {
        if (slot.HoldsReadCredit)
        {
            slot.HoldsReadCredit = false;
            _readsInFlight--;
        }
    }

    /// <summary>Reports finished WRs in posting order; the first error moves the QP to ERR.</summary>
    private void DrainCompletions()
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        try
        {
            while (_sqHead < _sqTail)
            {
                ref var slot = ref _sq[SlotIndex(_sqHead)];
                if (slot.Phase != SlotPhase.Done)
                {
                    break;
                }

                var status = slot.Status;
                if (status != WcStatus.Success || slot.Wr.IsSignaled || _sqSigAll)
                {
                    var isRead = slot.Wr.Opcode == WrOpcode.RdmaRead;
                    var wc = new WorkCompletion
                    {
                        WrId = slot.Wr.WrId,
                        Status = status,
                        Opcode = slot.Wr.Opcode.ToWcOpcode(),
                        ByteLen = isRead && status == WcStatus.Success ? (uint)slot.Wr.TotalLength() : 0,
                        QpNum = QpNum,
                    };
                    _sendCq.Push(wc, HostName, SlotRelease.Send(this, _sqHead + 1, _epoch));
                }

                slot = default;
                _sqHead++;
                if (status is not WcStatus.Success and not WcStatus.WrFlushErr)
                {
                    EnterErrorQueues();
                }
            }
        }
        finally
        {
            _draining = false;
        }
    }

    /// <summary>Moves to ERR and flushes everything outstanding, in posting order.</summary>
    private void EnterError()
    {
        EnterErrorQueues();
        DrainCompletions();
    }

    private void EnterErrorQueues()
    {
        if (State == QpState.Err)
        {
            return;
        }

        SetState(QpState.Err);
        for (var seq = _sqHead; seq < _sqTail; seq++)
        {
            ref var slot = ref _sq[SlotIndex(seq)];
            if (slot.Phase != SlotPhase.Done || slot.Status == WcStatus.Success)
            {
                // Not yet reported: on hardware even a WR that finished but is not yet reported flushes behind the error.
                ReleaseReadCredit(ref slot);
                slot.Phase = SlotPhase.Done;
                slot.Status = WcStatus.WrFlushErr;
                slot.Ticket = NewTicket();
            }
        }

        _sqStart = _sqTail;
        FlushReceives();
        ErrorEntered?.Invoke(this);
    }

    private void FlushReceives()
    {
        while (_rqCount > 0)
        {
            var wr = _rq[_rqHead];
            _rqHead = (_rqHead + 1) % _rq.Length;
            _rqCount--;
            PushRecvCompletion(wr.WrId, WcStatus.WrFlushErr, 0, WcFlags.None, 0, 0);
        }

        if (_srq != null && Device.Host.Fabric.Options.Provider != SimProvider.Rxe)
        {
            RaiseAsync(AsyncEventType.QpLastWqeReached); // rxe (and iWARP) never raise it
        }
    }

    private void CheckSqDrained()
    {
        if (State == QpState.Sqd && _sqdNotify && _sqHead == _sqStart)
        {
            _sqdNotify = false;
            RaiseAsync(AsyncEventType.SqDrained);
        }
    }

    private void PushRecvCompletion(ulong wrId, WcStatus status, uint byteLen, WcFlags flags, uint immOrInv, uint srcQp)
    {
        SlotRelease release;
        if (_srq != null)
        {
            // With an SRQ, every receive completion is for a WQE the responder took from it (TryTakeRecv).
            _srqUnpolled++;
            release = _srq!.Release(this, _epoch);
        }
        else
        {
            _rqUnpolled++;
            release = SlotRelease.Recv(this, _epoch);
        }

        var wc = new WorkCompletion
        {
            WrId = wrId,
            Status = status,
            Opcode = WcOpcode.Recv,
            ByteLen = byteLen,
            QpNum = QpNum,
            SrcQp = srcQp,
            WcFlags = flags,
            ImmDataOrInvalidatedRkey = immOrInv,
        };
        _recvCq.Push(wc, HostName, release);
    }
}
