namespace Harness.HardwareRunner.Native;

/// <summary>What <c>struct ibv_async_event</c>'s element union holds for an event type.</summary>
internal enum AsyncElement
{
    Device,
    Qp,
    Cq,
    Srq,
    Wq,
    Port,
}
