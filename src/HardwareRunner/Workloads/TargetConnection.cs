using System.IO.Hashing;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// One target qpair, born from a CONNECT_REQUEST: a data region the host WRITEs to and READs from (its address and
/// rkey go back in the accept private data), <c>qd</c> receives for requests and <c>2·qd</c> response buffers. For each
/// request it checks the block's bytes against the request's checksum and answers with a response SEND.
/// </summary>
internal sealed class TargetConnection : ICompletionSink
{
    private readonly TargetSide _side;
    private readonly WorkloadMonitor _monitor;
    private readonly WorkloadStats _stats;
    private readonly ConnectData _request;
    private readonly SendWorkRequest[] _sendWrs = new SendWorkRequest[1];
    private readonly RecvWorkRequest[] _recvWrs = new RecvWorkRequest[1];
    private readonly bool[] _recvPosted;
    private readonly bool[] _responseInUse;
    private readonly int[] _freeResponses;
    private readonly ResponseMessage[] _pending;
    private DmaBuffer? _data;
    private DmaBuffer? _messages;
    private IMemoryRegion? _dataMr;
    private IMemoryRegion? _messagesMr;
    private int _freeResponseCount;
    private int _pendingHead;
    private int _pendingCount;
    private int _sendOutstanding;
    private int _recvOutstanding;
    private bool _accepted;
    private bool _rejected;
    private bool _established;
    private bool _disconnectCalled;
    private bool _disconnectedSeen;
    private bool _timewaitSeen;
    private bool _flushRequested;
    private long _teardownSinceNs = -1;

    public TargetConnection(TargetSide side, int index, ICmId id, ConnectData request, WorkloadMonitor monitor, WorkloadStats stats)
    {
        _side = side;
        Index = index;
        Id = id;
        _request = request;
        _monitor = monitor;
        _stats = stats;
        var qd = Math.Max(1, (int)request.QueueDepth);
        _recvPosted = new bool[qd];
        _responseInUse = new bool[2 * qd];
        _freeResponses = new int[2 * qd];
        _pending = new ResponseMessage[2 * qd];
    }

    public int Index { get; }

    public ICmId Id { get; }

    public bool Closed { get; private set; }

    public string? FailureReason { get; private set; }

    private int Qd => _request.QueueDepth;

    private int IoSize => (int)_request.IoSize;

    private int ResponseOffset => Qd * WireFormat.MessageSlotBytes;

    /// <summary>Allocates and registers the qpair's memory, creates its QP, posts receives and accepts; or rejects.</summary>
    public void AcceptOrReject(string? whyNot)
    {
        if (whyNot != null)
        {
            Reject(whyNot);
            return;
        }

        var regionBytes = (long)_request.Blocks * _request.IoSize;
        _data = _side.Stack.Memory.Allocate((int)regionBytes);
        _messages = _side.Stack.Memory.Allocate(3 * Qd * WireFormat.MessageSlotBytes);
        var pd = _side.Pd!;
        var rc = pd.RegMr(_data, _data.Address, (ulong)_data.Length, AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite, out _dataMr);
        if (rc == Errno.Ok)
        {
            rc = pd.RegMr(_messages, _messages.Address, (ulong)_messages.Length, AccessFlags.LocalWrite, out _messagesMr);
        }

        if (rc != Errno.Ok)
        {
            Reject($"ibv_reg_mr failed: {Errno.Name(rc)}");
            return;
        }

        var init = new QpInitAttr
        {
            QpContext = this,
            SendCq = _side.Cq!,
            RecvCq = _side.Cq!,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = (uint)(2 * Qd), MaxRecvWr = (uint)Qd, MaxSendSge = 1, MaxRecvSge = 1 },
        };
        rc = Id.CreateQp(pd, init);
        if (rc != Errno.Ok)
        {
            Reject($"rdma_create_qp failed: {Errno.Name(rc)}");
            return;
        }

        for (var i = 0; i < _freeResponses.Length; i++)
        {
            _freeResponses[i] = _freeResponses.Length - 1 - i;
        }

        _freeResponseCount = _freeResponses.Length;
        for (var i = 0; i < Qd; i++)
        {
            rc = PostRecv(i);
            if (rc != Errno.Ok)
            {
                Reject($"ibv_post_recv failed: {Errno.Name(rc)}");
                return;
            }
        }

        var accept = new AcceptData(_data.Address, _dataMr!.Rkey, (ulong)_data.Length);
        var param = new ConnParam
        {
            PrivateData = accept.ToBytes(),
            ResponderResources = _side.ReadDepth,
            InitiatorDepth = 0,
            RnrRetryCount = VerbsLimits.RetryCountMax,
        };
        rc = Id.Accept(param);
        if (rc != Errno.Ok)
        {
            Reject($"rdma_accept failed: {Errno.Name(rc)}");
            return;
        }

        _accepted = true;
    }

    /// <summary>Handles one CM event of this qpair's id (before it is acked).</summary>
    public void OnCmEvent(CmEventType type, int status)
    {
        switch (type)
        {
            case CmEventType.Established:
                _established = true;
                break;
            case CmEventType.Disconnected:
                _disconnectedSeen = true;
                if (!_disconnectCalled)
                {
                    Disconnect(); // flush our QP too, as SPDK's target does on DISCONNECTED
                }

                break;
            case CmEventType.TimewaitExit:
                _timewaitSeen = true;
                break;
            case CmEventType.DeviceRemoval:
                Fail("RDMA_CM_EVENT_DEVICE_REMOVAL");
                break;
            case CmEventType.ConnectError or CmEventType.Unreachable or CmEventType.Rejected:
                Fail($"{type.ToVerbsString()} (status {status})");
                break;
            default:
                break;
        }
    }

    /// <summary>Handles one work completion of this qpair.</summary>
    public void OnCompletion(in WorkCompletion wc)
    {
        var kind = WrId.Kind(wc.WrId);
        var index = WrId.Slot(wc.WrId);
        if (kind == WrKindTag.TargetRecv && index < _recvPosted.Length && _recvPosted[index])
        {
            _recvPosted[index] = false;
            _recvOutstanding--;
            OnRequest(wc, index);
        }
        else if (kind == WrKindTag.TargetSend && index < _responseInUse.Length && _responseInUse[index])
        {
            _responseInUse[index] = false;
            _freeResponses[_freeResponseCount++] = index;
            _sendOutstanding--;
            if (wc.Status != WcStatus.Success)
            {
                Fail($"response SEND completed with {wc.Status.ToIbvName()}");
            }
        }
        else
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion,
                $"target qpair {Index}: completion wr_id 0x{wc.WrId:x16} ({wc.Status.ToIbvName()}) for a work request that is not outstanding");
        }
    }

    /// <summary>Posts responses waiting for a buffer; drives teardown. Returns the work done.</summary>
    public int Progress(long nowNs)
    {
        if (Closed)
        {
            return 0;
        }

        var work = 0;
        while (_pendingCount > 0 && _freeResponseCount > 0 && FailureReason == null)
        {
            var response = _pending[_pendingHead];
            _pendingHead = (_pendingHead + 1) % _pending.Length;
            _pendingCount--;
            PostResponse(response);
            work++;
        }

        if (FailureReason != null && _accepted && !_disconnectCalled)
        {
            Disconnect();
            work++;
        }

        if (_rejected && !_flushRequested && Id.Qp is { } qp)
        {
            _flushRequested = true;
            var attr = new QpAttr { QpState = QpState.Err };
            if (qp.Modify(attr, QpAttrMask.State) != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"target qpair {Index}: ibv_modify_qp(ERR) failed");
            }
        }

        var cmDone = _rejected || (_disconnectedSeen && _timewaitSeen);
        if (cmDone && _sendOutstanding == 0 && _recvOutstanding == 0)
        {
            Close();
            return work + 1;
        }

        if (_teardownSinceNs >= 0 && nowNs - _teardownSinceNs > _side.TeardownTimeoutNs)
        {
            _monitor.Report(_sendOutstanding > 0 || _recvOutstanding > 0 ? WorkloadMonitor.LostCompletion : WorkloadMonitor.NoProgress,
                $"target qpair {Index}: not torn down {_side.TeardownTimeoutNs / 1e9:0.#} s after it started ({Describe()})");
        }

        return work;
    }

    public string Describe() =>
        $"target qpair {Index}: accepted {_accepted}, ESTABLISHED {_established}, DISCONNECTED {_disconnectedSeen}, TIMEWAIT_EXIT {_timewaitSeen}, send WRs {_sendOutstanding}, receives {_recvOutstanding}";

    private void OnRequest(in WorkCompletion wc, int index)
    {
        if (wc.Status != WcStatus.Success)
        {
            Fail($"RECV completed with {wc.Status.ToIbvName()}");
            return;
        }

        var bytes = _messages!.Range(index * WireFormat.MessageSlotBytes, WireFormat.MessageSlotBytes);
        if (wc.ByteLen != WireFormat.RequestBytes || !RequestMessage.TryRead(bytes, out var request))
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"target qpair {Index}: received {wc.ByteLen} bytes that are not a request");
            Fail("bad request");
            return;
        }

        _stats.TargetRequests++;
        if (FailureReason == null)
        {
            var rc = PostRecv(index); // re-post first, as SPDK does, so the host never meets an empty receive queue
            if (rc != Errno.Ok)
            {
                Fail($"ibv_post_recv failed: {Errno.Name(rc)}");
                return;
            }
        }

        var status = ResponseStatus.Ok;
        if (request.Block >= _request.Blocks || request.Length != _request.IoSize)
        {
            status = ResponseStatus.BadRequest;
        }
        else
        {
            var block = _data!.Range((int)request.Block * IoSize, IoSize);
            _stats.TargetCheckedBytes += IoSize;
            if (XxHash3.HashToUInt64(block) != request.Checksum)
            {
                status = ResponseStatus.ChecksumMismatch;
            }
        }

        var response = new ResponseMessage(request.Slot, request.Seq, status);
        if (FailureReason != null)
        {
            return;
        }

        if (_freeResponseCount > 0 && _pendingCount == 0)
        {
            PostResponse(response);
        }
        else
        {
            _pending[(_pendingHead + _pendingCount) % _pending.Length] = response;
            _pendingCount++;
        }
    }

    private void PostResponse(in ResponseMessage response)
    {
        var index = _freeResponses[--_freeResponseCount];
        _responseInUse[index] = true;
        var offset = ResponseOffset + (index * WireFormat.MessageSlotBytes);
        response.Write(_messages!.Range(offset, WireFormat.MessageSlotBytes));
        ref var wr = ref _sendWrs[0];
        wr = default;
        wr.WrId = WrId.Make(WrKindTag.TargetSend, Index, index);
        wr.Opcode = WrOpcode.Send;
        wr.Flags = SendFlags.Signaled;
        wr.NumSge = 1;
        wr.SgList[0] = new Sge(_messages.Address + (ulong)offset, WireFormat.ResponseBytes, _messagesMr!.Lkey);
        var rc = Id.Qp!.PostSend(_sendWrs, out _);
        if (rc != Errno.Ok)
        {
            _responseInUse[index] = false;
            _freeResponses[_freeResponseCount++] = index;
            if (rc == Errno.ENOMEM)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"target qpair {Index}: ibv_post_send returned ENOMEM with {_sendOutstanding} of {2 * Qd} send WRs outstanding");
            }

            Fail($"ibv_post_send failed: {Errno.Name(rc)}");
            return;
        }

        _sendOutstanding++;
    }

    private int PostRecv(int index)
    {
        ref var wr = ref _recvWrs[0];
        wr = default;
        wr.WrId = WrId.Make(WrKindTag.TargetRecv, Index, index);
        wr.NumSge = 1;
        wr.SgList[0] = new Sge(_messages!.Address + (ulong)(index * WireFormat.MessageSlotBytes), WireFormat.MessageSlotBytes, _messagesMr!.Lkey);
        var rc = Id.Qp!.PostRecv(_recvWrs, out _);
        if (rc == Errno.Ok)
        {
            _recvPosted[index] = true;
            _recvOutstanding++;
        }

        return rc;
    }

    private void Reject(string why)
    {
        Fail(why);
        _rejected = true;
        var rc = Id.Reject(ReadOnlySpan<byte>.Empty);
        if (rc != Errno.Ok)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"target qpair {Index}: rdma_reject failed: {Errno.Name(rc)}");
        }
    }

    private void Fail(string reason)
    {
        if (FailureReason != null)
        {
            return;
        }

        FailureReason = reason;
        _pendingCount = 0;
        _teardownSinceNs = _side.Stack.Clock.NowNs;
    }

    private void Disconnect()
    {
        _disconnectCalled = true;
        if (_teardownSinceNs < 0)
        {
            _teardownSinceNs = _side.Stack.Clock.NowNs;
        }

        var rc = Id.Disconnect();
        if (rc != Errno.Ok)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"target qpair {Index}: rdma_disconnect failed: {Errno.Name(rc)}");
        }
    }

    private void Close()
    {
        if (Id.Qp != null)
        {
            Id.DestroyQp();
        }

        Check(Id.Destroy(), "rdma_destroy_id");
        if (_dataMr != null)
        {
            Check(_dataMr.Dereg(), "ibv_dereg_mr");
        }

        if (_messagesMr != null)
        {
            Check(_messagesMr.Dereg(), "ibv_dereg_mr");
        }

        if (_data != null)
        {
            _side.Stack.Memory.Free(_data);
        }

        if (_messages != null)
        {
            _side.Stack.Memory.Free(_messages);
        }

        Closed = true;
    }

    private void Check(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            _monitor.Report(WorkloadMonitor.ResourceLeak, $"target qpair {Index}: {call} failed: {Errno.Name(rc)}");
        }
    }
}
