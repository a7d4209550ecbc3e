namespace Harness.Transport.Verbs;

/// <summary>A 128-bit GID. RoCEv2 GIDs embed the IPv4 address as <c>::ffff:a.b.c.d</c>.</summary>
public readonly record struct Gid(ulong SubnetPrefix, ulong InterfaceId)
{
    /// <summary>The RoCEv2 GID of an IPv4 address (IPv4-mapped IPv6).</summary>
    public static Gid FromIPv4(System.Net.IPAddress address)
    {
        var bytes = address.MapToIPv6().GetAddressBytes();
        return new Gid(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{SubnetPrefix:x16}:{InterfaceId:x16}";
}

/// <summary>Address vector, <c>struct ibv_ah_attr</c> (only what RC over RoCE needs).</summary>
public struct AhAttr
{
    public Gid Dgid;
    public ushort Dlid;
    public byte SgidIndex;
    public byte HopLimit;
    public bool IsGlobal;
    public byte PortNum;
}

/// <summary>Queue capacities, <c>struct ibv_qp_cap</c>.</summary>
public struct QpCap
{
    public uint MaxSendWr;
    public uint MaxRecvWr;
    public uint MaxSendSge;
    public uint MaxRecvSge;
    public uint MaxInlineData;
}

/// <summary>Creation attributes, <c>struct ibv_qp_init_attr</c>.</summary>
public struct QpInitAttr
{
    public object? QpContext;
    public ICompletionQueue SendCq;
    public ICompletionQueue RecvCq;
    public ISharedReceiveQueue? Srq;
    public QpCap Cap;
    public QpType QpType;

    /// <summary>When set, every send WR generates a completion whether or not it is signaled.</summary>
    public bool SqSigAll;
}

/// <summary>Modify/query attributes, <c>struct ibv_qp_attr</c>; <see cref="QpAttrMask"/> says which fields apply.</summary>
public struct QpAttr
{
    public QpState QpState;
    public QpState CurQpState;
    public Mtu PathMtu;
    public uint Qkey;
    public uint RqPsn;
    public uint SqPsn;
    public uint DestQpNum;
    public AccessFlags QpAccessFlags;
    public QpCap Cap;
    public AhAttr AhAttr;
    public ushort PkeyIndex;
    public bool SqDrainAsyncNotify;

    /// <summary>Read atomic/RDMA READ depth as initiator (outstanding READs this QP may issue).</summary>
    public byte MaxRdAtomic;

    /// <summary>Read atomic/RDMA READ depth as responder (incoming READs this QP serves at once).</summary>
    public byte MaxDestRdAtomic;

    /// <summary>Encoded minimum RNR NAK timer (IB table; 0 = 655.36 ms, 1 = 0.01 ms … 31 = 491.52 ms).</summary>
    public byte MinRnrTimer;
    public byte PortNum;

    /// <summary>Local ACK timeout exponent: 4.096 µs × 2^Timeout (0 = infinite).</summary>
    public byte Timeout;

    /// <summary>Transport retries before RETRY_EXC_ERR (0..7).</summary>
    public byte RetryCnt;

    /// <summary>RNR retries before RNR_RETRY_EXC_ERR (0..6; 7 = infinite).</summary>
    public byte RnrRetry;
}

/// <summary>Device capabilities, the fields of <c>struct ibv_device_attr</c> the transports use.</summary>
public struct DeviceAttr
{
    public string FwVer;
    public ulong NodeGuid;
    public uint VendorId;
    public uint VendorPartId;
    public int MaxQp;
    public int MaxQpWr;
    public int MaxSge;
    public int MaxCq;
    public int MaxCqe;
    public int MaxMr;
    public ulong MaxMrSize;
    public int MaxPd;
    public int MaxQpRdAtom;
    public int MaxQpInitRdAtom;
    public int MaxSrq;
    public int MaxSrqWr;
    public int MaxSrqSge;
    public byte PhysPortCnt;
}

/// <summary><c>enum ibv_port_state</c>.</summary>
public enum PortState
{
    Nop = 0,
    Down = 1,
    Init = 2,
    Armed = 3,
    Active = 4,
    ActiveDefer = 5,
}

/// <summary>Port attributes, the fields of <c>struct ibv_port_attr</c> the transports use.</summary>
public struct PortAttr
{
    public PortState State;
    public Mtu MaxMtu;
    public Mtu ActiveMtu;
    public int GidTblLen;

    /// <summary>1 = InfiniBand, 2 = Ethernet (RoCE).</summary>
    public byte LinkLayer;
}

/// <summary>An asynchronous event, <c>struct ibv_async_event</c>.</summary>
public readonly record struct AsyncEvent(AsyncEventType EventType, IQueuePair? Qp, ICompletionQueue? Cq, ISharedReceiveQueue? Srq, byte PortNum);
