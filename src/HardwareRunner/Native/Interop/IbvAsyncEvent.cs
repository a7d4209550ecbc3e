using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_async_event</c>: an asynchronous event; the element is a QP, CQ, SRQ, WQ or port number by event type.</summary>
[NativeStruct("struct ibv_async_event")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct IbvAsyncEvent
{
    /// <summary><c>element.qp</c>, <c>element.cq</c> or <c>element.srq</c>.</summary>
    [FieldOffset(0)]
    [NativeField("element")]
    public nint Element;

    [FieldOffset(0)]
    [NativeField("element.port_num")]
    public int PortNum;

    [FieldOffset(8)]
    [NativeField("event_type")]
    public int EventType;
}
