using System.Globalization;
using System.IO.Hashing;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// One host qpair: a CM id on the host's shared event channel, an RC QP, a registered buffer
/// (<c>[qd data slots][qd request slots][qd receive slots]</c>) and up to <c>qd</c> operations in flight. Each
/// operation is exactly one of: RDMA WRITE of seeded data + request SEND, answered by the target's response SEND; or
/// RDMA READ of a written block, verified byte for byte against the model. Every WR is signaled, so every WR gets
/// exactly one completion; a completion for a WR that is not outstanding is a finding.
/// </summary>
internal sealed class HostConnection : ICompletionSink
{
    private readonly HostSide _side;
    private readonly WorkloadOptions _o;
    private readonly WorkloadMonitor _monitor;
    private readonly WorkloadStats _stats;
    private readonly IWorkloadRandom _random;
    private readonly HostOp[] _ops;
    private readonly int[] _freeSlots;
    private readonly bool[] _recvPosted;
    private readonly BlockTable _blocks;
    private readonly SendWorkRequest[] _sendWrs = new SendWorkRequest[2];
    private readonly RecvWorkRequest[] _recvWrs = new RecvWorkRequest[1];
    private readonly DmaBuffer _buffer;
    private readonly int _requestOffset;
    private readonly int _recvOffset;
    private IMemoryRegion? _mr;
    private AcceptData _remote;
    private int _freeCount;
    private int _sendOutstanding;
    private int _recvOutstanding;
    private uint _nextSeq;
    private bool _established;
    private bool _disconnectCalled;
    private bool _disconnectedSeen;
    private bool _timewaitSeen;
    private bool _flushRequested;
    private long _teardownSinceNs = -1;

    public HostConnection(HostSide side, int index, int quota, WorkloadOptions options, WorkloadMonitor monitor, WorkloadStats stats, IWorkloadRandom random)
    {
        _side = side;
        Index = index;
        Quota = quota;
        _o = options;
        _monitor = monitor;
        _stats = stats;
        _random = random;
        var qd = options.QueueDepth;
        _ops = new HostOp[qd];
        _freeSlots = new int[qd];
        for (var i = 0; i < qd; i++)
        {
            _freeSlots[i] = qd - 1 - i;
        }

        _freeCount = qd;
        _recvPosted = new bool[qd];
        _blocks = new BlockTable(options.BlocksPerQpair);
        _requestOffset = qd * options.IoSize;
        _recvOffset = _requestOffset + (qd * WireFormat.MessageSlotBytes);
        _buffer = side.Stack.Memory.Allocate(_recvOffset + (qd * WireFormat.MessageSlotBytes));
    }

    public int Index { get; }

    /// <summary>Operations this qpair performs.</summary>
    public int Quota { get; }

    public int Issued { get; private set; }

    public int InFlight { get; private set; }

    public HostConnectionState State { get; private set; } = HostConnectionState.Created;

    /// <summary>Why the qpair failed, or null.</summary>
    public string? FailureReason { get; private set; }

    public ICmId? Id { get; private set; }

    /// <summary>No operation in flight and none left to issue.</summary>
    public bool OpsDone => InFlight == 0 && (Issued == Quota || FailureReason != null);

    private int Qd => _o.QueueDepth;

    /// <summary>Creates the CM id on the shared channel and starts address resolution.</summary>
    public void Start(ICmEventChannel channel)
    {
        var rc = _side.Stack.Cm.CreateId(channel, this, PortSpace.Tcp, out var id);
        if (rc != Errno.Ok)
        {
            Fail($"rdma_create_id failed: {Errno.Name(rc)}");
            return;
        }

        Id = id;
        rc = id!.ResolveAddr(null, _o.TargetAddress, _o.ResolveTimeoutMs);
        if (rc != Errno.Ok)
        {
            Fail($"rdma_resolve_addr failed: {Errno.Name(rc)}");
            return;
        }

        State = HostConnectionState.ResolvingAddr;
    }

    /// <summary>Handles one CM event of this qpair's id (before it is acked; nothing is destroyed here).</summary>
    public void OnCmEvent(CmEventType type, int status, ReadOnlySpan<byte> privateData)
    {
        switch (type)
        {
            case CmEventType.AddrResolved:
                Expect(type, HostConnectionState.ResolvingAddr);
                OnAddrResolved();
                break;
            case CmEventType.RouteResolved:
                Expect(type, HostConnectionState.ResolvingRoute);
                OnRouteResolved();
                break;
            case CmEventType.Established:
                Expect(type, HostConnectionState.Connecting);
                OnEstablished(privateData);
                break;
            case CmEventType.AddrError or CmEventType.RouteError or CmEventType.Rejected or CmEventType.Unreachable or CmEventType.ConnectError:
                Fail($"{type.ToVerbsString()} (status {status})");
                break;
            case CmEventType.Disconnected:
                _disconnectedSeen = true;
                if (!_disconnectCalled)
                {
                    if (!(_side.ShuttingDown && OpsDone))
                    {
                        Fail("RDMA_CM_EVENT_DISCONNECTED: the target disconnected");
                    }

                    Disconnect(); // as SPDK's host: rdma_disconnect our own QP too, which flushes it
                }

                break;
            case CmEventType.TimewaitExit:
                _timewaitSeen = true;
                break;
            case CmEventType.DeviceRemoval:
                Fail("RDMA_CM_EVENT_DEVICE_REMOVAL");
                break;
            default:
                break; // ADDR_CHANGE, CONNECT_RESPONSE, multicast: nothing to do for a connected RC qpair
        }
    }

    /// <summary>Issues one operation if the qpair may; false when it may not (the submit poller moves on).</summary>
    public bool TryIssue()
    {
        if (State != HostConnectionState.Running || FailureReason != null || Issued >= Quota || InFlight >= Qd || _side.ShuttingDown)
        {
            return false;
        }

        var slot = _freeSlots[--_freeCount];
        ref var op = ref _ops[slot];
        op = default;
        op.Seq = ++_nextSeq;
        var read = _blocks.HasIdleKnown && _random.Chance(_o.ReadFraction);
        var block = _blocks.FindIdle(_random.NextInt(_blocks.Count), requireKnown: read);
        _blocks.Acquire(block);
        op.Block = block;
        var data = DataSpan(slot);
        var remoteAddr = _remote.Address + ((ulong)block * (ulong)_o.IoSize);
        var lkey = _mr!.Lkey;
        int count;
        if (read)
        {
            op.Kind = HostOpKind.Read;
            op.Seed = _blocks.SeedOf(block);
            op.Pending = HostOp.ReadWc;
            data.Fill(0xA5); // poison: a READ that reports success without moving data cannot pass verification
            ref var wr = ref _sendWrs[0];
            wr = default;
            wr.WrId = WrId.Make(WrKindTag.HostRead, Index, slot, block);
            wr.Opcode = WrOpcode.RdmaRead;
            wr.Flags = SendFlags.Signaled;
            wr.NumSge = 1;
            wr.SgList[0] = new Sge(DataAddress(slot), (uint)_o.IoSize, lkey);
            wr.RemoteAddr = remoteAddr;
            wr.Rkey = _remote.Rkey;
            count = 1;
            _stats.Reads++;
        }
        else
        {
            op.Kind = HostOpKind.Write;
            op.Seed = _random.NextUInt64();
            op.Pending = HostOp.WriteWc | HostOp.SendWc | HostOp.Response;
            DataPattern.Fill(data, op.Seed);
            var checksum = XxHash3.HashToUInt64(data);
            new RequestMessage((ushort)slot, op.Seq, (uint)block, (uint)_o.IoSize, checksum).Write(RequestSpan(slot));
            ref var write = ref _sendWrs[0];
            write = default;
            write.WrId = WrId.Make(WrKindTag.HostWrite, Index, slot, block);
            write.Opcode = WrOpcode.RdmaWrite;
            write.Flags = SendFlags.Signaled;
            write.NumSge = 1;
            write.SgList[0] = new Sge(DataAddress(slot), (uint)_o.IoSize, lkey);
            write.RemoteAddr = remoteAddr;
            write.Rkey = _remote.Rkey;
            ref var send = ref _sendWrs[1];
            send = default;
            send.WrId = WrId.Make(WrKindTag.HostSend, Index, slot, block);
            send.Opcode = WrOpcode.Send;
            send.Flags = SendFlags.Signaled;
            send.NumSge = 1;
            send.SgList[0] = new Sge(RequestAddress(slot), WireFormat.RequestBytes, lkey);
            count = 2;
            _stats.Writes++;
        }

        Issued++;
        InFlight++;
        var rc = Id!.Qp!.PostSend(_sendWrs.AsSpan(0, count), out var bad);
        if (rc == Errno.Ok)
        {
            _sendOutstanding += count;
            return true;
        }

        // The WRs before `bad` were posted and will complete; the rest never will.
        var posted = Math.Clamp(bad, 0, count);
        _sendOutstanding += posted;
        op.Failed = true;
        op.Pending = read || posted == 0 ? (byte)0 : HostOp.WriteWc;
        if (rc == Errno.ENOMEM)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: ibv_post_send returned ENOMEM with {_sendOutstanding} of {2 * Qd} send WRs outstanding (send queue accounting is off)");
        }

        Fail($"ibv_post_send failed: {Errno.Name(rc)}");
        TryFinish(slot);
        return true;
    }

    /// <summary>Handles one work completion of this qpair (dispatched on wr_id).</summary>
    public void OnCompletion(in WorkCompletion wc)
    {
        var kind = WrId.Kind(wc.WrId);
        var slot = WrId.Slot(wc.WrId);
        if (kind == WrKindTag.HostRecv)
        {
            OnRecvCompletion(wc, slot);
            return;
        }

        var bit = kind switch
        {
            WrKindTag.HostWrite => HostOp.WriteWc,
            WrKindTag.HostSend => HostOp.SendWc,
            WrKindTag.HostRead => HostOp.ReadWc,
            _ => (byte)0,
        };
        if (bit == 0 || slot >= Qd || (_ops[slot].Pending & bit) == 0 || WrId.Block(wc.WrId) != _ops[slot].Block)
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion, $"qpair {Index}: completion {Describe(wc)} for a work request that is not outstanding");
            return;
        }

        ref var op = ref _ops[slot];
        _sendOutstanding--;
        op.Pending &= (byte)~bit;
        if (wc.Status != WcStatus.Success)
        {
            op.Failed = true;
            Fail($"{KindName(kind)} completed with {wc.Status.ToIbvName()} ({wc.Status.ToVerbsString()})");
        }
        else if (kind == WrKindTag.HostRead)
        {
            VerifyRead(slot, ref op);
        }

        TryFinish(slot);
    }

    /// <summary>Drives teardown; returns 1 when something happened.</summary>
    public int Progress(long nowNs)
    {
        if (State == HostConnectionState.Closed)
        {
            return 0;
        }

        var work = 0;
        if (FailureReason == null && _side.ShuttingDown && OpsDone && State == HostConnectionState.Running)
        {
            Disconnect();
            work++;
        }

        if (FailureReason != null)
        {
            if (_established && !_disconnectCalled)
            {
                Disconnect();
                work++;
            }
            else if (!_established && !_flushRequested && Id?.Qp is { } qp)
            {
                // Never connected: move the QP to ERR ourselves so its posted receives flush before it is destroyed.
                _flushRequested = true;
                var attr = new QpAttr { QpState = QpState.Err };
                var rc = qp.Modify(attr, QpAttrMask.State);
                if (rc != Errno.Ok)
                {
                    _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: ibv_modify_qp(ERR) failed: {Errno.Name(rc)}");
                }

                work++;
            }
        }

        var cmDone = _established ? _disconnectedSeen && _timewaitSeen : FailureReason != null;
        if (cmDone && InFlight == 0 && _sendOutstanding == 0 && _recvOutstanding == 0)
        {
            Close();
            return 1;
        }

        if (_teardownSinceNs >= 0 && nowNs - _teardownSinceNs > _o.TeardownTimeoutNs)
        {
            if (_sendOutstanding > 0 || _recvOutstanding > 0)
            {
                _monitor.Report(WorkloadMonitor.LostCompletion,
                    $"qpair {Index}: {_sendOutstanding} send WR(s) and {_recvOutstanding} receive(s) never completed, {Seconds(nowNs - _teardownSinceNs)} after the qpair was torn down (its QP is {Id?.Qp?.State.ToName() ?? "gone"}: every WR should have been flushed)");
            }
            else
            {
                _monitor.Report(WorkloadMonitor.NoProgress,
                    $"qpair {Index}: disconnect did not finish within {Seconds(_o.TeardownTimeoutNs)} (DISCONNECTED seen: {_disconnectedSeen}, TIMEWAIT_EXIT seen: {_timewaitSeen})");
            }
        }

        return work;
    }

    /// <summary>One line for stall reports.</summary>
    public string Describe() =>
        $"qpair {Index}: {State}{(FailureReason != null ? " (failed)" : string.Empty)}, issued {Issued}/{Quota}, in flight {InFlight}, send WRs {_sendOutstanding}, receives {_recvOutstanding}, DISCONNECTED {_disconnectedSeen}, TIMEWAIT_EXIT {_timewaitSeen}";

    private void OnAddrResolved()
    {
        if (!_side.EnsureDevice(Id!.Verbs, out var error))
        {
            Fail(error!);
            return;
        }

        var rc = _side.Pd!.RegMr(_buffer, _buffer.Address, (ulong)_buffer.Length, AccessFlags.LocalWrite, out var mr);
        if (rc != Errno.Ok)
        {
            Fail($"ibv_reg_mr failed: {Errno.Name(rc)}");
            return;
        }

        _mr = mr;
        rc = Id.ResolveRoute(_o.ResolveTimeoutMs);
        if (rc != Errno.Ok)
        {
            Fail($"rdma_resolve_route failed: {Errno.Name(rc)}");
            return;
        }

        State = HostConnectionState.ResolvingRoute;
    }

    private void OnRouteResolved()
    {
        var init = new QpInitAttr
        {
            QpContext = this,
            SendCq = _side.Cq!,
            RecvCq = _side.Cq!,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = (uint)(2 * Qd), MaxRecvWr = (uint)Qd, MaxSendSge = 1, MaxRecvSge = 1 },
        };
        var rc = Id!.CreateQp(_side.Pd!, init);
        if (rc != Errno.Ok)
        {
            Fail($"rdma_create_qp failed: {Errno.Name(rc)}");
            return;
        }

        for (var i = 0; i < Qd; i++)
        {
            rc = PostRecv(i);
            if (rc != Errno.Ok)
            {
                Fail($"ibv_post_recv failed: {Errno.Name(rc)}");
                return;
            }
        }

        var data = new ConnectData((ushort)Index, (ushort)Qd, (uint)_o.IoSize, (uint)_o.BlocksPerQpair);
        var param = new ConnParam
        {
            PrivateData = data.ToBytes(),
            InitiatorDepth = _side.ReadDepth,
            ResponderResources = _side.ReadDepth,
            RetryCount = VerbsLimits.RetryCountMax,
            RnrRetryCount = VerbsLimits.RetryCountMax,
        };
        rc = Id.Connect(param);
        if (rc != Errno.Ok)
        {
            Fail($"rdma_connect failed: {Errno.Name(rc)}");
            return;
        }

        State = HostConnectionState.Connecting;
    }

    private void OnEstablished(ReadOnlySpan<byte> privateData)
    {
        _established = true;
        _stats.QpairsConnected++;
        if (!AcceptData.TryRead(privateData, out _remote) || _remote.Length < (ulong)_o.RegionBytes)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: ESTABLISHED without valid accept private data ({privateData.Length} bytes)");
            Fail("bad accept private data");
            return;
        }

        State = HostConnectionState.Running;
    }

    private void OnRecvCompletion(in WorkCompletion wc, int index)
    {
        if (index >= Qd || !_recvPosted[index])
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion, $"qpair {Index}: receive completion {Describe(wc)} for a receive that is not posted");
            return;
        }

        _recvPosted[index] = false;
        _recvOutstanding--;
        if (wc.Status != WcStatus.Success)
        {
            if (!_disconnectCalled || wc.Status != WcStatus.WrFlushErr)
            {
                // After our own rdma_disconnect, flushed receives are the expected end of the qpair, not a failure.
                Fail($"RECV completed with {wc.Status.ToIbvName()} ({wc.Status.ToVerbsString()})");
            }

            SweepIfDrained();
            return;
        }

        if (!ResponseMessage.TryRead(RecvSpan(index), out var response) || wc.ByteLen != WireFormat.ResponseBytes)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: received {wc.ByteLen} bytes that are not a response");
            return;
        }

        var slot = response.Slot;
        if (slot >= Qd || _ops[slot].Kind != HostOpKind.Write || (_ops[slot].Pending & HostOp.Response) == 0 || _ops[slot].Seq != response.Seq)
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion,
                $"qpair {Index}: response for slot {slot} seq {response.Seq}, which is not awaiting one");
            return;
        }

        ref var op = ref _ops[slot];
        op.Pending &= unchecked((byte)~HostOp.Response);
        if (response.Status == ResponseStatus.ChecksumMismatch)
        {
            _monitor.Report(WorkloadMonitor.DataVerification,
                $"qpair {Index}: after a successful RDMA WRITE of block {op.Block} (seq {op.Seq}), the target holds bytes that do not match what was written");
        }
        else if (response.Status != ResponseStatus.Ok)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: the target answered seq {op.Seq} with status {response.Status}");
        }

        if (FailureReason == null)
        {
            var rc = PostRecv(index);
            if (rc != Errno.Ok)
            {
                Fail($"ibv_post_recv failed: {Errno.Name(rc)}");
            }
        }

        TryFinish(slot);
    }

    private void VerifyRead(int slot, ref HostOp op)
    {
        var data = DataSpan(slot);
        var bad = DataPattern.FirstMismatch(data, op.Seed);
        if (bad >= 0)
        {
            _monitor.Report(WorkloadMonitor.DataVerification, string.Create(CultureInfo.InvariantCulture,
                $"qpair {Index}: RDMA READ of block {op.Block} (seq {op.Seq}) completed successfully but byte {bad} is 0x{data[bad]:x2}, expected 0x{DataPattern.ExpectedByte(op.Seed, bad):x2} (data read back differs from data written)"));
            return;
        }

        _stats.VerifiedBytes += _o.IoSize;
    }

    /// <summary>Completes the operation in <paramref name="slot"/> once nothing more can arrive for it (exactly once).</summary>
    private void TryFinish(int slot)
    {
        ref var op = ref _ops[slot];
        if (op.Kind == HostOpKind.None)
        {
            return;
        }

        var waiting = op.Pending;
        if (FailureReason != null && (waiting & HostOp.SendQueueWcs) == 0 && _recvOutstanding == 0)
        {
            waiting = 0; // every receive has completed: the response can no longer come
        }

        if (waiting != 0)
        {
            return;
        }

        var success = op.Pending == 0 && !op.Failed;
        if (op.Kind == HostOpKind.Write)
        {
            if (success)
            {
                _blocks.ReleaseWritten(op.Block, op.Seed);
            }
            else
            {
                _blocks.ReleaseUnknown(op.Block);
            }
        }
        else
        {
            _blocks.Release(op.Block);
        }

        if (success)
        {
            _stats.Completed++;
        }
        else
        {
            _stats.FailedInFlight++;
        }

        op = default;
        _freeSlots[_freeCount++] = slot;
        InFlight--;
        _side.NoteProgress();
    }

    private void Fail(string reason)
    {
        if (FailureReason != null)
        {
            return;
        }

        FailureReason = reason;
        _stats.QpairsFailed++;
        _stats.FailureReasons.Add($"qpair {Index}: {reason}");
        _stats.NotIssued += Quota - Issued;
        _teardownSinceNs = _side.Stack.Clock.NowNs;
        SweepIfDrained();
    }

    private void SweepIfDrained()
    {
        if (FailureReason == null)
        {
            return;
        }

        for (var i = 0; i < _ops.Length; i++)
        {
            TryFinish(i);
        }
    }

    private void Disconnect()
    {
        _disconnectCalled = true;
        State = HostConnectionState.Disconnecting;
        if (_teardownSinceNs < 0)
        {
            _teardownSinceNs = _side.Stack.Clock.NowNs;
        }

        var rc = Id!.Disconnect();
        if (rc != Errno.Ok)
        {
            Fail($"rdma_disconnect failed: {Errno.Name(rc)}");
        }
    }

    private void Close()
    {
        if (Id != null)
        {
            if (Id.Qp != null)
            {
                Id.DestroyQp();
            }

            var rc = Id.Destroy();
            if (rc != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.ResourceLeak, $"qpair {Index}: rdma_destroy_id failed: {Errno.Name(rc)}");
            }
        }

        if (_mr != null)
        {
            var rc = _mr.Dereg();
            if (rc != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.ResourceLeak, $"qpair {Index}: ibv_dereg_mr failed: {Errno.Name(rc)}");
            }

            _mr = null;
        }

        _side.Stack.Memory.Free(_buffer);
        State = HostConnectionState.Closed;
        _side.NoteProgress();
    }

    private int PostRecv(int index)
    {
        ref var wr = ref _recvWrs[0];
        wr = default;
        wr.WrId = WrId.Make(WrKindTag.HostRecv, Index, index);
        wr.NumSge = 1;
        wr.SgList[0] = new Sge(_buffer.Address + (ulong)(_recvOffset + (index * WireFormat.MessageSlotBytes)), WireFormat.MessageSlotBytes, _mr!.Lkey);
        var rc = Id!.Qp!.PostRecv(_recvWrs, out _);
        if (rc == Errno.Ok)
        {
            _recvPosted[index] = true;
            _recvOutstanding++;
        }

        return rc;
    }

    private void Expect(CmEventType type, HostConnectionState expected)
    {
        if (State != expected && FailureReason == null)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"qpair {Index}: {type.ToVerbsString()} while {State} (expected only while {expected})");
        }
    }

    private Span<byte> DataSpan(int slot) => _buffer.Range(slot * _o.IoSize, _o.IoSize);

    private ulong DataAddress(int slot) => _buffer.Address + (ulong)(slot * _o.IoSize);

    private Span<byte> RequestSpan(int slot) => _buffer.Range(_requestOffset + (slot * WireFormat.MessageSlotBytes), WireFormat.MessageSlotBytes);

    private ulong RequestAddress(int slot) => _buffer.Address + (ulong)(_requestOffset + (slot * WireFormat.MessageSlotBytes));

    private Span<byte> RecvSpan(int index) => _buffer.Range(_recvOffset + (index * WireFormat.MessageSlotBytes), WireFormat.MessageSlotBytes);

    private static string KindName(WrKindTag kind) => kind switch
    {
        WrKindTag.HostWrite => "RDMA_WRITE",
        WrKindTag.HostSend => "SEND",
        WrKindTag.HostRead => "RDMA_READ",
        _ => "RECV",
    };

    private static string Describe(in WorkCompletion wc) =>
        string.Create(CultureInfo.InvariantCulture, $"wr_id 0x{wc.WrId:x16} status {wc.Status.ToIbvName()}");

    private static string Seconds(long ns) => (ns / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
