using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_send_wr</c>: a send work request; chains are linked through <see cref="Next"/>. Only the RC fields are mirrored.</summary>
[NativeStruct("struct ibv_send_wr")]
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct IbvSendWr
{
    [FieldOffset(0)]
    [NativeField("wr_id")]
    public ulong WrId;

    [FieldOffset(8)]
    [NativeField("next")]
    public IbvSendWr* Next;

    [FieldOffset(16)]
    [NativeField("sg_list")]
    public IbvSge* SgList;

    [FieldOffset(24)]
    [NativeField("num_sge")]
    public int NumSge;

    /// <summary><c>enum ibv_wr_opcode</c>.</summary>
    [FieldOffset(28)]
    [NativeField("opcode")]
    public int Opcode;

    /// <summary><c>enum ibv_send_flags</c>.</summary>
    [FieldOffset(32)]
    [NativeField("send_flags")]
    public uint SendFlags;

    /// <summary>Immediate data, network byte order (as given: the bytes travel unchanged).</summary>
    [FieldOffset(36)]
    [NativeField("imm_data")]
    public uint ImmData;

    /// <summary>SEND_WITH_INV: the remote key to invalidate (same storage as <see cref="ImmData"/>).</summary>
    [FieldOffset(36)]
    [NativeField("invalidate_rkey")]
    public uint InvalidateRkey;

    [FieldOffset(40)]
    [NativeField("wr.rdma.remote_addr")]
    public ulong RemoteAddr;

    [FieldOffset(48)]
    [NativeField("wr.rdma.rkey")]
    public uint Rkey;
}
