using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct rdma_cm_event</c>: a CM event (allocated by the library, freed by <c>rdma_ack_cm_event</c>).</summary>
[NativeStruct("struct rdma_cm_event")]
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct RdmaCmEvent
{
    [FieldOffset(0)]
    [NativeField("id")]
    public RdmaCmId* Id;

    [FieldOffset(8)]
    [NativeField("listen_id")]
    public RdmaCmId* ListenId;

    /// <summary><c>enum rdma_cm_event_type</c>.</summary>
    [FieldOffset(16)]
    [NativeField("event")]
    public int Event;

    /// <summary>0, a negative errno, or a transport value (REJECTED: the IB CM reject reason).</summary>
    [FieldOffset(20)]
    [NativeField("status")]
    public int Status;

    [FieldOffset(24)]
    [NativeField("param.conn")]
    public RdmaConnParam Conn;
}
