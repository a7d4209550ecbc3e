using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// rdma-core's own strings (<c>ibv_wc_status_str</c>, <c>ibv_event_type_str</c>, <c>ibv_port_state_str</c>,
/// <c>rdma_event_str</c>): they need no device, so the parity test compares them with the abstraction's texts here.
/// </summary>
internal static unsafe class NativeText
{
    public static string WcStatus(int status) => Text(LibIbverbs.ibv_wc_status_str(status));

    public static string EventType(int type) => Text(LibIbverbs.ibv_event_type_str(type));

    public static string PortState(int state) => Text(LibIbverbs.ibv_port_state_str(state));

    public static string CmEvent(int type) => Text(LibRdmacm.rdma_event_str(type));

    private static string Text(byte* p) => Marshal.PtrToStringUTF8((nint)p) ?? string.Empty;
}
