using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_qp_attr</c>: modify/query attributes of a QP.</summary>
[NativeStruct("struct ibv_qp_attr")]
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct IbvQpAttr
{
    [FieldOffset(0)]
    [NativeField("qp_state")]
    public int QpState;

    [FieldOffset(4)]
    [NativeField("cur_qp_state")]
    public int CurQpState;

    [FieldOffset(8)]
    [NativeField("path_mtu")]
    public int PathMtu;

    [FieldOffset(12)]
    [NativeField("path_mig_state")]
    public int PathMigState;

    [FieldOffset(16)]
    [NativeField("qkey")]
    public uint Qkey;

    [FieldOffset(20)]
    [NativeField("rq_psn")]
    public uint RqPsn;

    [FieldOffset(24)]
    [NativeField("sq_psn")]
    public uint SqPsn;

    [FieldOffset(28)]
    [NativeField("dest_qp_num")]
    public uint DestQpNum;

    [FieldOffset(32)]
    [NativeField("qp_access_flags")]
    public uint QpAccessFlags;

    [FieldOffset(36)]
    [NativeField("cap")]
    public IbvQpCap Cap;

    [FieldOffset(56)]
    [NativeField("ah_attr")]
    public IbvAhAttr AhAttr;

    [FieldOffset(88)]
    [NativeField("alt_ah_attr")]
    public IbvAhAttr AltAhAttr;

    [FieldOffset(120)]
    [NativeField("pkey_index")]
    public ushort PkeyIndex;

    [FieldOffset(122)]
    [NativeField("alt_pkey_index")]
    public ushort AltPkeyIndex;

    [FieldOffset(124)]
    [NativeField("en_sqd_async_notify")]
    public byte EnSqdAsyncNotify;

    [FieldOffset(125)]
    [NativeField("sq_draining")]
    public byte SqDraining;

    [FieldOffset(126)]
    [NativeField("max_rd_atomic")]
    public byte MaxRdAtomic;

    [FieldOffset(127)]
    [NativeField("max_dest_rd_atomic")]
    public byte MaxDestRdAtomic;

    [FieldOffset(128)]
    [NativeField("min_rnr_timer")]
    public byte MinRnrTimer;

    [FieldOffset(129)]
    [NativeField("port_num")]
    public byte PortNum;

    [FieldOffset(130)]
    [NativeField("timeout")]
    public byte Timeout;

    [FieldOffset(131)]
    [NativeField("retry_cnt")]
    public byte RetryCnt;

    [FieldOffset(132)]
    [NativeField("rnr_retry")]
    public byte RnrRetry;

    [FieldOffset(133)]
    [NativeField("alt_port_num")]
    public byte AltPortNum;

    [FieldOffset(134)]
    [NativeField("alt_timeout")]
    public byte AltTimeout;

    [FieldOffset(136)]
    [NativeField("rate_limit")]
    public uint RateLimit;
}
