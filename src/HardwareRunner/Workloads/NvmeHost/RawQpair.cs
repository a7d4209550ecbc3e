using Harness.Transport.Nvme;
using NvmeConnectData = Harness.Transport.Nvme.ConnectData;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// One host qpair spoken at the wire level: a CM id on the controller's shared event channel with NVMe-oF private
/// data, an RC QP on its own completion queue, <see cref="Depth"/> command slots (64-byte capsules sent with SEND, plus
/// one 1024-byte in-capsule Connect data area) and as many 16-byte response receives. Responses are matched by CID
/// (slot in the low byte, a per-slot generation in the high byte). Every connection allocates its resources and
/// releases them when it closes; the object itself lives for the whole run and is reconnected.
/// </summary>
internal sealed partial class RawQpair
{
    /// <summary>Bytes of a command capsule without in-capsule data.</summary>
    public const int CapsuleBytes = NvmeCommand.Size;

    /// <summary>Bytes of the Fabrics Connect capsule: the command plus the Connect data in the capsule.</summary>
    public const int ConnectCapsuleBytes = NvmeCommand.Size + NvmeConnectData.Size;

    /// <summary>Work completions polled per poll.</summary>
    public const int CompletionsPerPollMax = 32;

    /// <summary>CID bits that hold the slot (the rest is the slot's generation).</summary>
    private const int CidSlotBits = 8;

    private readonly RawNvmeHost _host;
    private readonly NvmeHostDriverOptions _o;
    private readonly CommandSlot[] _slots;
    private readonly int[] _free;
    private readonly bool[] _recvPosted;
    private readonly int[] _delayedRecv;
    private readonly long[] _delayedAtNs;
    private readonly WorkCompletion[] _wcs = new WorkCompletion[CompletionsPerPollMax];
    private readonly SendWorkRequest[] _sendWr = new SendWorkRequest[1];
    private readonly RecvWorkRequest[] _recvWr = new RecvWorkRequest[1];
    private readonly byte[] _privateData = new byte[RdmaCmRequest.Size];
    private ICmId? _id;
    private ICompletionQueue? _cq;
    private DmaBuffer? _msgs;
    private IMemoryRegion? _msgsMr;
    private ushort _connectCntlid;
    private int _freeCount;
    private int _sendOutstanding;
    private int _recvOutstanding;
    private int _delayedHead;
    private int _delayedCount;
    private bool _cmPending;
    private bool _established;
    private bool _disconnectCalled;
    private bool _disconnectedSeen;
    private bool _timewaitSeen;
    private bool _flushRequested;
    private bool _timeoutReported;
    private bool _cmGaveUp;
    private long _teardownSinceNs;

    public RawQpair(RawNvmeHost host, int index, ushort qid, int depth)
    {
        _host = host;
        _o = host.Options;
        Index = index;
        Qid = qid;
        Depth = depth;
        _slots = new CommandSlot[depth];
        _free = new int[depth];
        _recvPosted = new bool[depth];
        _delayedRecv = new int[depth];
        _delayedAtNs = new long[depth];
    }

    /// <summary>I/O qpair index (qid − 1), or −1 for the admin qpair.</summary>
    public int Index { get; }

    public ushort Qid { get; }

    /// <summary>Command slots (= receives posted).</summary>
    public int Depth { get; }

    public RawQpairState State { get; private set; } = RawQpairState.Closed;

    /// <summary>Why the current connection is being torn down (null: asked to disconnect).</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The controller ID the target gave in the Connect response.</summary>
    public ushort Cntlid { get; private set; }

    /// <summary>Commands in the slots.</summary>
    public int InFlight => Depth - _freeCount;

    /// <summary>Failed connections since this qpair last reached <see cref="RawQpairState.Running"/>.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Connections started so far (the first one is not a reconnect).</summary>
    public int Connects { get; set; }

    /// <summary>Reconnects of this qpair so far.</summary>
    public int Reconnects { get; set; }

    /// <summary>When the next reconnect may start.</summary>
    public long ReconnectAtNs { get; set; }

    /// <summary>The driver will not reconnect this qpair again.</summary>
    public bool GaveUp { get; set; }

    public string Name => Index < 0 ? "admin qpair (qid 0)" : $"I/O qpair qid {Qid}";

    /// <summary>Opens a new connection: resources, a CM id on <paramref name="channel"/>, address resolution.</summary>
    public void Connect(ICmEventChannel channel, IProtectionDomain pd, ushort cntlid)
    {
        if (State != RawQpairState.Closed)
        {
            _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: connect while {State}");
            return;
        }

        ResetConnection(cntlid);
        State = RawQpairState.ResolvingAddr;
        var stack = _host.Stack;
        _msgs = stack.Memory.Allocate((Depth * CapsuleBytes) + ConnectCapsuleBytes + (Depth * NvmeCompletion.Size));
        if (!Ok(pd.RegMr(_msgs, _msgs.Address, (ulong)_msgs.Length, AccessFlags.LocalWrite, out _msgsMr), "ibv_reg_mr")
            || !Ok(pd.Context.CreateCq((2 * Depth) + 2, this, out _cq), "ibv_create_cq")
            || !Ok(stack.Cm.CreateId(channel, this, PortSpace.Tcp, out _id), "rdma_create_id")
            || !Ok(_id!.ResolveAddr(null, _o.TargetAddress, _o.ResolveTimeoutMs), "rdma_resolve_addr"))
        {
            return;
        }

        _cmPending = true;
    }

    /// <summary>Handles one CM event of this qpair's id, before it is acked (nothing is destroyed here).</summary>
    public void OnCmEvent(CmEvent ev, IProtectionDomain pd)
    {
        var type = ev.EventType;
        switch (type)
        {
            case CmEventType.AddrResolved:
            case CmEventType.RouteResolved:
            case CmEventType.Established:
                OnCmStep(type, ev.Param.PrivateData.Span, pd);
                break;
            case CmEventType.AddrError or CmEventType.RouteError or CmEventType.Rejected or CmEventType.Unreachable or CmEventType.ConnectError:
                _cmPending = false;
                Fail($"{type.ToVerbsString()} (status {ev.Status})");
                break;
            case CmEventType.Disconnected:
                _disconnectedSeen = true;
                if (!_disconnectCalled)
                {
                    Fail("RDMA_CM_EVENT_DISCONNECTED: the target disconnected"); // disconnects our side too
                }

                break;
            case CmEventType.TimewaitExit:
                _timewaitSeen = true;
                break;
            case CmEventType.DeviceRemoval:
                Fail("RDMA_CM_EVENT_DEVICE_REMOVAL");
                break;
            default:
                break; // ADDR_CHANGE and the rest: nothing to do for a connected RC qpair
        }
    }

    private void OnCmStep(CmEventType type, ReadOnlySpan<byte> privateData, IProtectionDomain pd)
    {
        var expected = type switch
        {
            CmEventType.AddrResolved => RawQpairState.ResolvingAddr,
            CmEventType.RouteResolved => RawQpairState.ResolvingRoute,
            _ => RawQpairState.Connecting,
        };
        if (!_cmPending || (State != expected && State != RawQpairState.TearingDown))
        {
            _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: {type.ToVerbsString()} while {State}");
            return;
        }

        _cmPending = false;
        if (type == CmEventType.Established)
        {
            _established = true;
        }

        if (State == RawQpairState.TearingDown)
        {
            StartTeardown(); // asked to go while the CM step was in flight: finish it by disconnecting
            return;
        }

        switch (type)
        {
            case CmEventType.AddrResolved:
                OnAddrResolved();
                break;
            case CmEventType.RouteResolved:
                OnRouteResolved(pd);
                break;
            default:
                OnEstablished(privateData);
                break;
        }
    }

    private void OnAddrResolved()
    {
        if (Ok(_id!.ResolveRoute(_o.ResolveTimeoutMs), "rdma_resolve_route"))
        {
            _cmPending = true;
            State = RawQpairState.ResolvingRoute;
        }
    }

    private void OnRouteResolved(IProtectionDomain pd)
    {
        var init = new QpInitAttr
        {
            QpContext = this,
            SendCq = _cq!,
            RecvCq = _cq!,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = (uint)Depth, MaxRecvWr = (uint)Depth, MaxSendSge = 1, MaxRecvSge = 1 },
        };
        if (!Ok(_id!.CreateQp(pd, init), "rdma_create_qp"))
        {
            return;
        }

        for (var i = 0; i < Depth; i++)
        {
            if (!Ok(PostRecv(i), "ibv_post_recv"))
            {
                return;
            }
        }

        // As SPDK's host: HSQSIZE = the queue's entries, HRQSIZE = entries + 1.
        new RdmaCmRequest { Recfmt = 0, Qid = Qid, Hrqsize = (ushort)(Depth + 1), Hsqsize = (ushort)Depth, Cntlid = _connectCntlid }.Encode(_privateData);
        var param = new ConnParam
        {
            PrivateData = _privateData,
            InitiatorDepth = _o.ReadDepth,
            ResponderResources = _o.ReadDepth,
            RetryCount = _o.RetryCount,
            RnrRetryCount = _o.RnrRetryCount,
        };
        if (Ok(_id.Connect(param), "rdma_connect"))
        {
            _cmPending = true;
            State = RawQpairState.Connecting;
        }
    }

    private void OnEstablished(ReadOnlySpan<byte> privateData)
    {
        if (RdmaCmAccept.TryDecode(privateData, out var accept) != RdmaTransportError.None)
        {
            _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: ESTABLISHED with {privateData.Length} bytes of accept private data that do not decode");
            Fail("bad accept private data");
            return;
        }

        if (accept.Crqsize < Depth)
        {
            Fail($"the target granted {accept.Crqsize} queue entries, fewer than the {Depth} this host uses");
            return;
        }

        SendConnect();
    }

    private void SendConnect()
    {
        var slot = TakeSlot(CommandKind.Connect, 0);
        var area = _msgs!.Span.Slice(ConnectAreaOffset, ConnectCapsuleBytes);
        var dataptr = SglDescriptor.InCapsule(0, NvmeConnectData.Size);
        new ConnectCommand { Cid = Cid(slot), Qid = Qid, Sqsize = (ushort)(Depth - 1), Kato = 0, Dptr = dataptr }.Encode(area);
        new NvmeConnectData
        {
            HostId = _o.HostId,
            Cntlid = _connectCntlid,
            SubNqn = _host.SubNqn,
            HostNqn = _host.HostNqn,
        }.Encode(area[NvmeCommand.Size..]);
        State = RawQpairState.FabricConnecting;
        var rc = PostSend(slot, _msgs.Address + (ulong)ConnectAreaOffset, ConnectCapsuleBytes);
        if (rc != Errno.Ok)
        {
            ReleaseSlot(slot);
            Fail($"ibv_post_send (Fabrics Connect) failed: {Errno.Name(rc)}");
        }
    }

    private void ResetConnection(ushort cntlid)
    {
        _connectCntlid = cntlid;
        FailureReason = null;
        Cntlid = 0;
        Array.Clear(_slots);
        Array.Clear(_recvPosted);
        for (var i = 0; i < Depth; i++)
        {
            _free[i] = Depth - 1 - i;
        }

        _freeCount = Depth;
        _sendOutstanding = 0;
        _recvOutstanding = 0;
        _delayedHead = 0;
        _delayedCount = 0;
        _cmPending = false;
        _established = false;
        _disconnectCalled = false;
        _disconnectedSeen = false;
        _timewaitSeen = false;
        _flushRequested = false;
        _timeoutReported = false;
        _cmGaveUp = false;
    }

    private bool Ok(int rc, string call)
    {
        if (rc == Errno.Ok)
        {
            return true;
        }

        Fail($"{call} failed: {Errno.Name(rc)}");
        return false;
    }

    private int ConnectAreaOffset => Depth * CapsuleBytes;

    private int ResponseOffset => ConnectAreaOffset + ConnectCapsuleBytes;

    private ushort Cid(int slot) => (ushort)(slot | (_slots[slot].Generation << CidSlotBits));
}
