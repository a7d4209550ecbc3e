using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_device_attr</c>: device capabilities (<c>ibv_query_device</c>).</summary>
[NativeStruct("struct ibv_device_attr")]
[StructLayout(LayoutKind.Explicit, Size = 232)]
internal unsafe struct IbvDeviceAttr
{
    /// <summary>NUL-terminated firmware version.</summary>
    [FieldOffset(0)]
    [NativeField("fw_ver")]
    public fixed byte FwVer[64];

    /// <summary>Big-endian.</summary>
    [FieldOffset(64)]
    [NativeField("node_guid")]
    public ulong NodeGuidBe;

    [FieldOffset(72)]
    [NativeField("sys_image_guid")]
    public ulong SysImageGuidBe;

    [FieldOffset(80)]
    [NativeField("max_mr_size")]
    public ulong MaxMrSize;

    [FieldOffset(88)]
    [NativeField("page_size_cap")]
    public ulong PageSizeCap;

    [FieldOffset(96)]
    [NativeField("vendor_id")]
    public uint VendorId;

    [FieldOffset(100)]
    [NativeField("vendor_part_id")]
    public uint VendorPartId;

    [FieldOffset(104)]
    [NativeField("hw_ver")]
    public uint HwVer;

    [FieldOffset(108)]
    [NativeField("max_qp")]
    public int MaxQp;

    [FieldOffset(112)]
    [NativeField("max_qp_wr")]
    public int MaxQpWr;

    [FieldOffset(116)]
    [NativeField("device_cap_flags")]
    public uint DeviceCapFlags;

    [FieldOffset(120)]
    [NativeField("max_sge")]
    public int MaxSge;

    [FieldOffset(124)]
    [NativeField("max_sge_rd")]
    public int MaxSgeRd;

    [FieldOffset(128)]
    [NativeField("max_cq")]
    public int MaxCq;

    [FieldOffset(132)]
    [NativeField("max_cqe")]
    public int MaxCqe;

    [FieldOffset(136)]
    [NativeField("max_mr")]
    public int MaxMr;

    [FieldOffset(140)]
    [NativeField("max_pd")]
    public int MaxPd;

    [FieldOffset(144)]
    [NativeField("max_qp_rd_atom")]
    public int MaxQpRdAtom;

    [FieldOffset(156)]
    [NativeField("max_qp_init_rd_atom")]
    public int MaxQpInitRdAtom;

    [FieldOffset(212)]
    [NativeField("max_srq")]
    public int MaxSrq;

    [FieldOffset(216)]
    [NativeField("max_srq_wr")]
    public int MaxSrqWr;

    [FieldOffset(220)]
    [NativeField("max_srq_sge")]
    public int MaxSrqSge;

    [FieldOffset(224)]
    [NativeField("max_pkeys")]
    public ushort MaxPkeys;

    [FieldOffset(227)]
    [NativeField("phys_port_cnt")]
    public byte PhysPortCnt;
}
