namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>What the host driver went through (summary figures).</summary>
public sealed class NvmeHostCounters
{
    /// <summary>Qpair connections that reached the Fabrics-connected state (admin and I/O, first connects included).</summary>
    public int QpairsConnected { get; internal set; }

    /// <summary>Qpairs that failed (error completion, target disconnect, rejected connect…).</summary>
    public int QpairsFailed { get; internal set; }

    /// <summary>Reconnects attempted (I/O qpairs and controller resets).</summary>
    public int Reconnects { get; internal set; }

    /// <summary>Controller resets (the admin qpair failed, so every qpair was reconnected).</summary>
    public int ControllerResets { get; internal set; }

    /// <summary>Commands completed as ABORTED - SQ DELETION because their qpair died (each exactly once).</summary>
    public long AbortedByDisconnect { get; internal set; }

    /// <summary>Teardowns that gave up waiting for an expected CM event (DISCONNECTED, TIMEWAIT_EXIT, a connect step's outcome).</summary>
    public int CmEventTimeouts { get; internal set; }

    /// <summary>CM events got and acked.</summary>
    public long CmEvents { get; internal set; }

    /// <summary>Asynchronous verbs events got and acked.</summary>
    public long AsyncEvents { get; internal set; }

    /// <summary>One line per qpair failure saying why (bounded).</summary>
    public List<string> FailureReasons { get; } = new();
}
