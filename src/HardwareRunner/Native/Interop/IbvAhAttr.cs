using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_ah_attr</c>: an address vector.</summary>
[NativeStruct("struct ibv_ah_attr")]
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct IbvAhAttr
{
    [FieldOffset(0)]
    [NativeField("grh")]
    public IbvGlobalRoute Grh;

    [FieldOffset(24)]
    [NativeField("dlid")]
    public ushort Dlid;

    [FieldOffset(26)]
    [NativeField("sl")]
    public byte Sl;

    [FieldOffset(27)]
    [NativeField("src_path_bits")]
    public byte SrcPathBits;

    [FieldOffset(28)]
    [NativeField("static_rate")]
    public byte StaticRate;

    [FieldOffset(29)]
    [NativeField("is_global")]
    public byte IsGlobal;

    [FieldOffset(30)]
    [NativeField("port_num")]
    public byte PortNum;
}
