using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Sim.Wire;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>The responder side: what happens when a request reaches the peer QP.</summary>
public sealed partial class SimQp
{
    private void OnArrive(int index)
    {
        ref var slot = ref _sq[index];
        var peer = Device.Host.Fabric.FindPeer(_attr.AhAttr.Dgid, _attr.DestQpNum);
        if (peer == null || !peer.CanRespondTo(this))
        {
            Lost(index, ref slot); // nobody answers: the requester times out and retries, as with a dead peer
            return;
        }

        if (EarlierUndelivered(index))
        {
            // RC delivers in PSN order: the responder discards a packet that follows a missing one (sequence error)
            // and the requester goes back to the missing PSN, so this WR is sent again after it, without using a retry.
            World.Record(new TraceRecord { Kind = TraceKind.Retry, Node = HostName, Qp = QpNum, WrId = slot.Wr.WrId, Op = "psn_sequence_error" });
            Respond(peer, slot.FirstPsn, AethSyndrome.NakPsnSequenceError);
            slot.Ticket = NewTicket();
            World.Schedule(AckTimeoutNs, this, EvTransmit, index, slot.Ticket);
            return;
        }

        var ackAt = World.NowNs + LatencyNs;
        if (slot.InjectedStatus != WcStatus.Success)
        {
            if (slot.InjectedStatus is WcStatus.RemAccessErr or WcStatus.RemOpErr or WcStatus.RemInvReqErr)
            {
                Respond(peer, slot.FirstPsn, NakSyndrome(slot.InjectedStatus));
                peer.ResponderError(slot.InjectedStatus == WcStatus.RemAccessErr ? AsyncEventType.QpAccessErr : AsyncEventType.QpReqErr);
            }

            FinishAt(index, slot.InjectedStatus, ackAt);
            return;
        }

        switch (slot.Wr.Opcode)
        {
            case WrOpcode.RdmaWrite or WrOpcode.RdmaWriteWithImm:
                ExecuteWrite(index, ref slot, peer, ackAt);
                break;
            case WrOpcode.RdmaRead:
                ExecuteRead(index, ref slot, peer);
                break;
            default:
                ExecuteSend(index, ref slot, peer, ackAt);
                break;
        }
    }

    /// <summary>True when a WR posted before the one in <paramref name="index"/> has not reached the responder yet.</summary>
    private bool EarlierUndelivered(int index)
    {
        for (var seq = _sqHead; seq < _sqTail; seq++)
        {
            var i = SlotIndex(seq);
            if (i == index)
            {
                return false;
            }

            // Only a WR the responder executed releases the ones behind it: one NAKed (RNR, access or injected error)
            // or failed locally, even if already done and waiting to be reported in order, holds them back for good.
            if (!_sq[i].Delivered)
            {
                return true;
            }
        }

        return false;
    }

    private bool CanRespondTo(SimQp requester) =>
        !Destroyed && State is QpState.Rtr or QpState.Rts or QpState.Sqd && _attr.DestQpNum == requester.QpNum && LinkUp();

    private void ExecuteWrite(int index, ref SendSlot slot, SimQp peer, long ackAt)
    {
        var length = slot.Wr.TotalLength();
        if (!peer.AllowsRemote(AccessFlags.RemoteWrite, slot.Wr.RemoteAddr, length, slot.Wr.Rkey))
        {
            Respond(peer, slot.FirstPsn, AethSyndrome.NakRemoteAccessError);
            peer.ResponderError(AsyncEventType.QpAccessErr);
            FinishAt(index, WcStatus.RemAccessErr, ackAt);
            return;
        }

        slot.Delivered = true;
        RespondAck(peer, slot);
        var remote = new Sge(slot.Wr.RemoteAddr, (uint)length, slot.Wr.Rkey);
        if ((slot.Wr.Flags & SendFlags.Inline) != 0)
        {
            SimDma.CopyFromBytes(_inline![index].AsSpan(0, (int)length), peer.Device, new ReadOnlySpan<Sge>(in remote));
        }
        else
        {
            SimDma.Copy(Device, slot.Wr.SgList[..slot.Wr.NumSge], peer.Device, new ReadOnlySpan<Sge>(in remote));
        }

        FinishAt(index, WcStatus.Success, ackAt);
    }

    private void ExecuteRead(int index, ref SendSlot slot, SimQp peer)
    {
        var length = slot.Wr.TotalLength();
        var responseAt = World.NowNs + SerializationNs(length) + LatencyNs;
        if (!peer.AllowsRemote(AccessFlags.RemoteRead, slot.Wr.RemoteAddr, length, slot.Wr.Rkey))
        {
            Respond(peer, slot.FirstPsn, AethSyndrome.NakRemoteAccessError);
            peer.ResponderError(AsyncEventType.QpAccessErr);
            FinishAt(index, WcStatus.RemAccessErr, World.NowNs + LatencyNs);
            return;
        }

        slot.Delivered = true;
        var remote = new Sge(slot.Wr.RemoteAddr, (uint)length, slot.Wr.Rkey);
        SimDma.Copy(peer.Device, new ReadOnlySpan<Sge>(in remote), Device, slot.Wr.SgList[..slot.Wr.NumSge]);
        Device.Host.Fabric.Capture?.ReadResponse(peer, this, slot.Wr, slot.FirstPsn);
        FinishAt(index, WcStatus.Success, responseAt);
    }

    private void ExecuteSend(int index, ref SendSlot slot, SimQp peer, long ackAt)
    {
        if (!peer.TryTakeRecv(out var recv))
        {
            ReceiverNotReady(index, ref slot, peer);
            return;
        }

        var length = slot.Wr.TotalLength();
        var recvNth = ++peer._kindCounts[(int)WrKind.Recv];
        if (Device.Host.Fabric.Faults.TryWcError(peer.HostName, peer.Ordinal, peer.QpNum, WrKind.Recv, recvNth, out var injected))
        {
            RecvFailed(index, peer, recv, injected, ackAt);
            return;
        }

        if (length > recv.TotalLength())
        {
            RecvFailed(index, peer, recv, WcStatus.LocLenErr, ackAt);
            return;
        }

        if (!SimDma.ValidateLocal(peer.Device, peer._pd, recv.SgList[..recv.NumSge], AccessFlags.LocalWrite))
        {
            RecvFailed(index, peer, recv, WcStatus.LocProtErr, ackAt);
            return;
        }

        slot.Delivered = true;
        if ((slot.Wr.Flags & SendFlags.Inline) != 0)
        {
            SimDma.CopyFromBytes(_inline![index].AsSpan(0, (int)length), peer.Device, recv.SgList[..recv.NumSge]);
        }
        else
        {
            SimDma.Copy(Device, slot.Wr.SgList[..slot.Wr.NumSge], peer.Device, recv.SgList[..recv.NumSge]);
        }

        var flags = WcFlags.None;
        var immOrInv = 0u;
        if (slot.Wr.Opcode == WrOpcode.SendWithInv)
        {
            flags = WcFlags.WithInv;
            immOrInv = slot.Wr.InvalidateRkeyOrImm;
            var mr = peer.Device.FindMr(immOrInv);
            if (mr != null)
            {
                mr.Valid = false; // remote invalidation: the key no longer grants access
            }
        }
        else if (slot.Wr.Opcode == WrOpcode.SendWithImm)
        {
            flags = WcFlags.WithImm;
            immOrInv = slot.Wr.InvalidateRkeyOrImm;
        }

        peer.PushRecvCompletion(recv.WrId, WcStatus.Success, (uint)length, flags, immOrInv, QpNum);
        RespondAck(peer, slot);
        FinishAt(index, WcStatus.Success, ackAt);
    }

    /// <summary>No receive posted at the responder: RNR NAK, retry after the responder's min RNR timer (7 = forever).</summary>
    private void ReceiverNotReady(int index, ref SendSlot slot, SimQp peer)
    {
        slot.RnrAttempts++;
        Respond(peer, slot.FirstPsn, (byte)(AethSyndrome.RnrNak | (peer._attr.MinRnrTimer & 0x1F)));
        if (_attr.RnrRetry != VerbsLimits.RetryCountMax && slot.RnrAttempts > _attr.RnrRetry)
        {
            FinishAt(index, WcStatus.RnrRetryExcErr, World.NowNs + LatencyNs);
            return;
        }

        World.Record(new TraceRecord { Kind = TraceKind.Retry, Node = HostName, Qp = QpNum, WrId = slot.Wr.WrId, Op = "rnr", Arg = slot.RnrAttempts });
        slot.Ticket = NewTicket();
        World.Schedule(LatencyNs + SimDma.RnrTimerNs(peer._attr.MinRnrTimer), this, EvTransmit, index, slot.Ticket);
    }

    /// <summary>The receive failed at the responder: its WC reports the local error, the requester gets the matching NAK.</summary>
    private void RecvFailed(int index, SimQp peer, in RecvWorkRequest recv, WcStatus recvStatus, long ackAt)
    {
        peer.PushRecvCompletion(recv.WrId, recvStatus, 0, WcFlags.None, 0, QpNum);
        Respond(peer, _sq[index].FirstPsn, recvStatus == WcStatus.LocLenErr ? AethSyndrome.NakInvalidRequest : AethSyndrome.NakRemoteOperationalError);
        peer.EnterError();
        FinishAt(index, recvStatus == WcStatus.LocLenErr ? WcStatus.RemInvReqErr : WcStatus.RemOpErr, ackAt);
    }

    /// <summary>The responder's ACK or NAK for the packet at <paramref name="psn"/>, as the capture sees it (nothing without one).</summary>
    private void Respond(SimQp peer, uint psn, byte syndrome) => Device.Host.Fabric.Capture?.Acknowledge(peer, this, psn, syndrome);

    /// <summary>The ACK of a whole WR, at its last packet's PSN; the PSN is worked out only when a capture is attached (on every SEND/WRITE).</summary>
    private void RespondAck(SimQp peer, in SendSlot slot)
    {
        if (Device.Host.Fabric.Capture is { } capture)
        {
            capture.Acknowledge(peer, this, LastPsn(slot), AethSyndrome.Ack);
        }
    }

    private uint LastPsn(in SendSlot slot) =>
        (slot.FirstPsn + (uint)Wire.WireCapture.PacketCount((long)slot.Wr.TotalLength(), Wire.WireCapture.MtuBytes(this)) - 1) & PsnMask;

    private static byte NakSyndrome(WcStatus status) => status switch
    {
        WcStatus.RemAccessErr => AethSyndrome.NakRemoteAccessError,
        WcStatus.RemInvReqErr => AethSyndrome.NakInvalidRequest,
        _ => AethSyndrome.NakRemoteOperationalError,
    };

    private bool AllowsRemote(AccessFlags needed, ulong addr, ulong length, uint rkey) =>
        (_attr.QpAccessFlags & needed) == needed && SimDma.ValidateRemote(Device, _pd, addr, length, rkey, needed);

    private void ResponderError(AsyncEventType type)
    {
        RaiseAsync(type);
        EnterError();
    }

    private bool TryTakeRecv(out RecvWorkRequest wr)
    {
        if (_srq != null)
        {
            return _srq.TryTake(out wr);
        }

        if (_rqCount == 0)
        {
            wr = default;
            return false;
        }

        wr = _rq[_rqHead];
        _rqHead = (_rqHead + 1) % _rq.Length;
        _rqCount--;
        return true;
    }
}
