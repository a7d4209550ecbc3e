namespace Harness.HardwareRunner.Workloads;

/// <summary>Where a host qpair is in its life (failure is a flag on top: a failed qpair still walks to Closed).</summary>
internal enum HostConnectionState
{
    Created,
    ResolvingAddr,
    ResolvingRoute,
    Connecting,
    Running,
    Disconnecting,
    Closed,
}
