namespace Harness.Sim.Tracing;

/// <summary>What a trace line records.</summary>
public enum TraceKind
{
    /// <summary>A send-queue work request was posted.</summary>
    PostSend,

    /// <summary>A receive work request was posted (QP or SRQ).</summary>
    PostRecv,

    /// <summary>A work completion was written to a CQ.</summary>
    Completion,

    /// <summary>A QP changed state.</summary>
    QpState,

    /// <summary>A CM event was queued on an event channel.</summary>
    CmEvent,

    /// <summary>A CM event was acked.</summary>
    CmAck,

    /// <summary>A CM call (connect, accept, disconnect, destroy…).</summary>
    CmCall,

    /// <summary>An asynchronous verbs event.</summary>
    AsyncEvent,

    /// <summary>A fault was injected.</summary>
    Fault,

    /// <summary>A packet was retransmitted after loss, or an RNR NAK was retried.</summary>
    Retry,

    /// <summary>A CQ overran.</summary>
    CqOverrun,

    /// <summary>Workload or transport annotation.</summary>
    Note,

    /// <summary>An invariant was violated; the run stops here.</summary>
    Violation,
}

/// <summary>
/// One trace line. String fields hold constant names (no formatting on the hot path); <see cref="Text"/> is for rare
/// events only.
/// </summary>
public struct TraceRecord
{
    public long TimeNs;
    public TraceKind Kind;
    public string Node;
    public uint Qp;
    public ulong WrId;
    public string? Op;
    public string? Status;
    public ulong Length;
    public long Arg;
    public string? Text;

    /// <summary>The simulated SPDK thread (reactor) that was polling when this happened; null for the NIC, fabric and CM.</summary>
    public string? Thread;
}

/// <summary>JSON names of <see cref="TraceKind"/>.</summary>
public static class TraceKindText
{
    /// <summary>Snake-case name used in the JSONL trace.</summary>
    public static string ToName(this TraceKind kind) => kind switch
    {
        TraceKind.PostSend => "post_send",
        TraceKind.PostRecv => "post_recv",
        TraceKind.Completion => "completion",
        TraceKind.QpState => "qp_state",
        TraceKind.CmEvent => "cm_event",
        TraceKind.CmAck => "cm_ack",
        TraceKind.CmCall => "cm_call",
        TraceKind.AsyncEvent => "async_event",
        TraceKind.Fault => "fault",
        TraceKind.Retry => "retry",
        TraceKind.CqOverrun => "cq_overrun",
        TraceKind.Note => "note",
        TraceKind.Violation => "violation",
        _ => "unknown",
    };
}
