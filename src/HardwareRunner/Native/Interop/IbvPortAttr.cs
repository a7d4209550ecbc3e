using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_port_attr</c>: port attributes (<c>ibv_query_port</c>).</summary>
[NativeStruct("struct ibv_port_attr")]
[StructLayout(LayoutKind.Explicit, Size = 52)]
internal struct IbvPortAttr
{
    [FieldOffset(0)]
    [NativeField("state")]
    public int State;

    [FieldOffset(4)]
    [NativeField("max_mtu")]
    public int MaxMtu;

    [FieldOffset(8)]
    [NativeField("active_mtu")]
    public int ActiveMtu;

    [FieldOffset(12)]
    [NativeField("gid_tbl_len")]
    public int GidTblLen;

    [FieldOffset(16)]
    [NativeField("port_cap_flags")]
    public uint PortCapFlags;

    [FieldOffset(20)]
    [NativeField("max_msg_sz")]
    public uint MaxMsgSz;

    [FieldOffset(34)]
    [NativeField("lid")]
    public ushort Lid;

    [FieldOffset(43)]
    [NativeField("active_width")]
    public byte ActiveWidth;

    [FieldOffset(44)]
    [NativeField("active_speed")]
    public byte ActiveSpeed;

    [FieldOffset(45)]
    [NativeField("phys_state")]
    public byte PhysState;

    [FieldOffset(46)]
    [NativeField("link_layer")]
    public byte LinkLayer;

    [FieldOffset(47)]
    [NativeField("flags")]
    public byte Flags;

    [FieldOffset(48)]
    [NativeField("port_cap_flags2")]
    public ushort PortCapFlags2;
}
