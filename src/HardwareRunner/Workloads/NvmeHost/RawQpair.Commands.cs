using System.Globalization;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Submission, completion polling and response matching.</summary>
internal sealed partial class RawQpair
{
    /// <summary>
    /// Sends <paramref name="cmd"/> (its CID is assigned here) in a free slot. Returns 0, <c>ENOTCONN</c> when the qpair
    /// is not running, <c>EAGAIN</c> when every slot is in use, or the post error (the qpair then fails).
    /// </summary>
    public int Submit(NvmeCommand cmd, CommandKind kind, ulong tag)
    {
        if (State != RawQpairState.Running)
        {
            return Errno.ENOTCONN;
        }

        if (_freeCount == 0)
        {
            return Errno.EAGAIN;
        }

        var slot = TakeSlot(kind, tag);
        cmd.Cid = Cid(slot);
        cmd.Encode(_msgs!.Span.Slice(slot * CapsuleBytes, CapsuleBytes));
        var rc = PostSend(slot, _msgs.Address + (ulong)(slot * CapsuleBytes), CapsuleBytes);
        if (rc != Errno.Ok)
        {
            ReleaseSlot(slot);
            Fail($"ibv_post_send failed: {Errno.Name(rc)}");
        }

        return rc;
    }

    /// <summary>Polls this qpair's completion queue and re-posts delayed receives. Returns the work done.</summary>
    public int Poll()
    {
        if (_cq == null)
        {
            return 0;
        }

        var n = _cq.Poll(_wcs);
        if (n < 0)
        {
            _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: ibv_poll_cq failed: {Errno.Name(-n)}");
            return 0;
        }

        for (var i = 0; i < n; i++)
        {
            ref readonly var wc = ref _wcs[i];
            if (RawWrId.Kind(wc.WrId) == RawWrId.Recv)
            {
                OnRecvCompletion(wc);
            }
            else
            {
                OnSendCompletion(wc);
            }
        }

        return n + RepostDelayedRecvs();
    }

    private void OnSendCompletion(in WorkCompletion wc)
    {
        var slot = RawWrId.Index(wc.WrId);
        if (RawWrId.Kind(wc.WrId) != RawWrId.Send || (uint)slot >= (uint)Depth || (_slots[slot].Pending & CommandSlot.SendPending) == 0)
        {
            _host.Violation(NvmeHostInvariants.DuplicateCompletion, $"{Name}: completion {Describe(wc)} for a SEND that is not outstanding");
            return;
        }

        _sendOutstanding--;
        _slots[slot].Pending &= unchecked((byte)~CommandSlot.SendPending);
        if (wc.Status != WcStatus.Success && !(wc.Status == WcStatus.WrFlushErr && State == RawQpairState.TearingDown))
        {
            Fail($"capsule SEND completed with {wc.Status.ToIbvName()} ({wc.Status.ToVerbsString()})");
        }

        if (_slots[slot].Pending == 0)
        {
            Finish(slot);
        }
    }

    private void OnRecvCompletion(in WorkCompletion wc)
    {
        var index = RawWrId.Index(wc.WrId);
        if ((uint)index >= (uint)Depth || !_recvPosted[index])
        {
            _host.Violation(NvmeHostInvariants.DuplicateCompletion, $"{Name}: completion {Describe(wc)} for a receive that is not posted");
            return;
        }

        _recvPosted[index] = false;
        _recvOutstanding--;
        if (wc.Status != WcStatus.Success)
        {
            if (!(wc.Status == WcStatus.WrFlushErr && State == RawQpairState.TearingDown))
            {
                Fail($"response RECV completed with {wc.Status.ToIbvName()} ({wc.Status.ToVerbsString()})");
            }

            return;
        }

        NvmeCompletion.TryDecode(_msgs!.Span.Slice(ResponseOffset + (index * NvmeCompletion.Size), NvmeCompletion.Size), out var cpl);
        if (wc.ByteLen != NvmeCompletion.Size)
        {
            _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: a response capsule of {wc.ByteLen} bytes (expected {NvmeCompletion.Size})");
        }

        RepostRecv(index);
        OnResponse(cpl);
    }

    private void OnResponse(in NvmeCompletion cpl)
    {
        var slot = cpl.Cid & ((1 << CidSlotBits) - 1);
        var generation = cpl.Cid >> CidSlotBits;
        if (slot >= Depth || (_slots[slot].Pending & CommandSlot.ResponsePending) == 0 || _slots[slot].Generation != generation)
        {
            _host.Violation(NvmeHostInvariants.DuplicateCompletion, string.Create(CultureInfo.InvariantCulture,
                $"{Name}: a response for CID {cpl.Cid} (slot {slot}, use {generation}), which is not awaiting one: {cpl}"));
            return;
        }

        ref var s = ref _slots[slot];
        s.Completion = cpl;
        s.Pending &= unchecked((byte)~CommandSlot.ResponsePending);
        if (s.Pending == 0)
        {
            Finish(slot);
        }
    }

    /// <summary>The command in <paramref name="slot"/> is done (exactly once): free the slot, then tell its owner.</summary>
    private void Finish(int slot)
    {
        var kind = _slots[slot].Kind;
        var tag = _slots[slot].Tag;
        var cpl = _slots[slot].Completion;
        ReleaseSlot(slot);
        switch (kind)
        {
            case CommandKind.Connect:
                OnConnectCompleted(cpl);
                break;
            case CommandKind.Admin:
                _host.OnAdminCompleted(tag, cpl);
                break;
            case CommandKind.Io:
                _host.OnIoCompleted(this, tag, cpl);
                break;
        }
    }

    private void OnConnectCompleted(in NvmeCompletion cpl)
    {
        if (State != RawQpairState.FabricConnecting)
        {
            return; // aborted by the teardown
        }

        if (cpl.Status.IsError)
        {
            Fail($"Fabrics Connect failed: {cpl.Status.ToString(NvmeCommand.FabricsOpcode)}");
            return;
        }

        Cntlid = ConnectResponse.GetCntlid(cpl.Dw0);
        State = RawQpairState.Running;
        _host.OnQpairRunning(this);
    }

    private int TakeSlot(CommandKind kind, ulong tag)
    {
        var slot = _free[--_freeCount];
        ref var s = ref _slots[slot];
        s.Kind = kind;
        s.Tag = tag;
        s.Pending = CommandSlot.SendPending | CommandSlot.ResponsePending;
        s.Generation++;
        s.Completion = default;
        return slot;
    }

    private void ReleaseSlot(int slot)
    {
        _slots[slot].Kind = CommandKind.None;
        _slots[slot].Pending = 0;
        _free[_freeCount++] = slot;
    }

    private int PostSend(int slot, ulong address, int length)
    {
        ref var wr = ref _sendWr[0];
        wr = default;
        wr.WrId = RawWrId.Make(RawWrId.Send, slot);
        wr.Opcode = WrOpcode.Send;
        wr.Flags = SendFlags.Signaled;
        wr.NumSge = 1;
        wr.SgList[0] = new Sge(address, (uint)length, _msgsMr!.Lkey);
        var rc = _id!.Qp!.PostSend(_sendWr, out _);
        if (rc == Errno.Ok)
        {
            _sendOutstanding++;
        }

        return rc;
    }

    private int PostRecv(int index)
    {
        ref var wr = ref _recvWr[0];
        wr = default;
        wr.WrId = RawWrId.Make(RawWrId.Recv, index);
        wr.NumSge = 1;
        wr.SgList[0] = new Sge(_msgs!.Address + (ulong)(ResponseOffset + (index * NvmeCompletion.Size)), NvmeCompletion.Size, _msgsMr!.Lkey);
        var rc = _id!.Qp!.PostRecv(_recvWr, out _);
        if (rc == Errno.Ok)
        {
            _recvPosted[index] = true;
            _recvOutstanding++;
        }

        return rc;
    }

    /// <summary>Re-posts a reaped receive at once or, with <see cref="NvmeHostDriverOptions.RecvRepostDelayNs"/>, later.</summary>
    private void RepostRecv(int index)
    {
        if (State == RawQpairState.TearingDown)
        {
            return;
        }

        if (_o.RecvRepostDelayNs <= 0)
        {
            Ok(PostRecv(index), "ibv_post_recv");
            return;
        }

        var tail = (_delayedHead + _delayedCount) % Depth;
        _delayedRecv[tail] = index;
        _delayedAtNs[tail] = _host.Stack.Clock.NowNs + _o.RecvRepostDelayNs;
        _delayedCount++;
    }

    private int RepostDelayedRecvs()
    {
        var work = 0;
        var now = _host.Stack.Clock.NowNs;
        while (_delayedCount > 0 && _delayedAtNs[_delayedHead] <= now && State != RawQpairState.TearingDown)
        {
            var index = _delayedRecv[_delayedHead];
            _delayedHead = (_delayedHead + 1) % Depth;
            _delayedCount--;
            work++;
            if (!Ok(PostRecv(index), "ibv_post_recv"))
            {
                break;
            }
        }

        return work;
    }

    private static string Describe(in WorkCompletion wc) =>
        string.Create(CultureInfo.InvariantCulture, $"wr_id 0x{wc.WrId:x16} status {wc.Status.ToIbvName()}");
}
