using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_global_route</c>: the GRH part of an address vector.</summary>
[NativeStruct("struct ibv_global_route")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct IbvGlobalRoute
{
    [FieldOffset(0)]
    [NativeField("dgid")]
    public IbvGid Dgid;

    [FieldOffset(16)]
    [NativeField("flow_label")]
    public uint FlowLabel;

    [FieldOffset(20)]
    [NativeField("sgid_index")]
    public byte SgidIndex;

    [FieldOffset(21)]
    [NativeField("hop_limit")]
    public byte HopLimit;

    [FieldOffset(22)]
    [NativeField("traffic_class")]
    public byte TrafficClass;
}
