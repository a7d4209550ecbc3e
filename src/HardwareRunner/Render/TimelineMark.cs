namespace Harness.HardwareRunner.Render;

/// <summary>Kinds of point events on a lane (each has its own shape and colour).</summary>
public enum MarkKind
{
    /// <summary>A thread posted a work request.</summary>
    Post,

    /// <summary>A successful work completion.</summary>
    CompletionOk,

    /// <summary>An error work completion other than a flush (e.g. RETRY_EXC_ERR).</summary>
    CompletionError,

    /// <summary>A WR_FLUSH_ERR completion (the QP is in ERR).</summary>
    CompletionFlush,

    /// <summary>An injected fault.</summary>
    Fault,

    /// <summary>A retransmission, RNR retry or PSN sequence error.</summary>
    Retry,

    /// <summary>A QP state change.</summary>
    QpState,

    /// <summary>The QP entered ERR.</summary>
    QpError,

    /// <summary>An RDMA CM event.</summary>
    CmEvent,

    /// <summary>An RDMA CM call (connect, accept, disconnect, destroy…) or an async verbs event.</summary>
    CmCall,

    /// <summary>A log line of the transport.</summary>
    Log,

    /// <summary>An <c>*ERROR*</c> log line.</summary>
    LogError,
}

/// <summary>A point event on a lane.</summary>
/// <param name="Record">Index of the trace record (within the whole trace).</param>
/// <param name="Lane">Lane index.</param>
/// <param name="Kind">Shape and colour.</param>
/// <param name="Label">Short text drawn next to it (empty: none).</param>
/// <param name="Title">The full record, shown on hover.</param>
public sealed record TimelineMark(int Record, int Lane, MarkKind Kind, string Label, string Title);

/// <summary>
/// A work request drawn as an arrow in the direction its data moves: from the lane of the QP that sends the data (the
/// peer for an RDMA READ) at the time it was posted, to the other QP's lane when it arrived or completed.
/// </summary>
/// <param name="FromRecord">The post record.</param>
/// <param name="ToRecord">The arrival (the peer's receive completion) or the completion record; the post itself if neither is in the window.</param>
/// <param name="FromLane">Where the data leaves.</param>
/// <param name="ToLane">Where the data arrives.</param>
/// <param name="Op">The opcode (SEND, RDMA_READ, RDMA_WRITE…).</param>
/// <param name="WrId">The WR's wr_id.</param>
/// <param name="Status">The completion status, or null (unsignaled and fine, or still in flight).</param>
/// <param name="Highlight">Part of the request that went wrong.</param>
/// <param name="Title">Shown on hover.</param>
public sealed record TimelineArrow(int FromRecord, int ToRecord, int FromLane, int ToLane, string Op, ulong WrId, string? Status, bool Highlight, string Title);

/// <summary>The invariant that broke, drawn at the end of the run.</summary>
/// <param name="Record">Index of the violation record.</param>
/// <param name="Invariant">Its name (e.g. <c>request-in-one-queue</c>).</param>
/// <param name="Detail">What exactly is inconsistent.</param>
public sealed record TimelineViolation(int Record, string Invariant, string Detail);
