namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>An I/O qpair as the application sees it.</summary>
public enum NvmeQpairStatus
{
    /// <summary>Not connected yet, or reconnecting after a failure (commands cannot be submitted now).</summary>
    Connecting,

    /// <summary>Connected: <see cref="INvmeHostDriver.Submit"/> accepts commands.</summary>
    Ready,

    /// <summary>Failed and will not be reconnected (reconnect budget spent or the controller is gone).</summary>
    GaveUp,

    /// <summary>Disconnected by <see cref="INvmeHostDriver.Shutdown"/>.</summary>
    Closed,
}
