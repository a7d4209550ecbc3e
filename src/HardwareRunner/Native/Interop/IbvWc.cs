using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_wc</c>: a work completion as <c>poll_cq</c> writes it.</summary>
[NativeStruct("struct ibv_wc")]
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct IbvWc
{
    [FieldOffset(0)]
    [NativeField("wr_id")]
    public ulong WrId;

    [FieldOffset(8)]
    [NativeField("status")]
    public int Status;

    [FieldOffset(12)]
    [NativeField("opcode")]
    public int Opcode;

    [FieldOffset(16)]
    [NativeField("vendor_err")]
    public uint VendorErr;

    [FieldOffset(20)]
    [NativeField("byte_len")]
    public uint ByteLen;

    [FieldOffset(24)]
    [NativeField("imm_data")]
    public uint ImmData;

    [FieldOffset(24)]
    [NativeField("invalidated_rkey")]
    public uint InvalidatedRkey;

    [FieldOffset(28)]
    [NativeField("qp_num")]
    public uint QpNum;

    [FieldOffset(32)]
    [NativeField("src_qp")]
    public uint SrcQp;

    [FieldOffset(36)]
    [NativeField("wc_flags")]
    public uint WcFlags;

    [FieldOffset(40)]
    [NativeField("pkey_index")]
    public ushort PkeyIndex;

    [FieldOffset(42)]
    [NativeField("slid")]
    public ushort Slid;

    [FieldOffset(44)]
    [NativeField("sl")]
    public byte Sl;

    [FieldOffset(45)]
    [NativeField("dlid_path_bits")]
    public byte DlidPathBits;
}
