using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// One failure from the log: a non-flush error completion (with the flush completions that followed it on the same
/// side before the next error), a CM or async event, or a delete hang.
/// </summary>
public sealed record FieldEvent
{
    public required FieldEventKind Kind { get; init; }

    public required FieldSide Side { get; init; }

    /// <summary>1-based line in the log.</summary>
    public required int Line { get; init; }

    /// <summary>The line's SPDK timestamp (<c>[2024-03-11 09:12:44.100231]</c>), null when it has none.</summary>
    public DateTime? Time { get; init; }

    /// <summary>WC errors: DATA, SEND or RECV (the target's <c>type</c>; the host's numeric type mapped).</summary>
    public string? WrType { get; init; }

    /// <summary>WC errors: the status.</summary>
    public WcStatus Status { get; init; }

    /// <summary>CM events: <c>RDMA_CM_EVENT_*</c>; async events: <c>IBV_EVENT_*</c>.</summary>
    public string? Event { get; init; }

    /// <summary>WC errors: WR_FLUSH_ERR completions logged after it (debug-level lines; often absent from field logs).</summary>
    public int Flushes => FlushedRecvs + FlushedSends;

    /// <summary>Of <see cref="Flushes"/>, receives (type RECV): what was posted for capsules, about the queue depth.</summary>
    public int FlushedRecvs { get; set; }

    /// <summary>Of <see cref="Flushes"/>, send-queue WRs (DATA, SEND): what was queued behind the failed one.</summary>
    public int FlushedSends { get; set; }

    /// <summary>The line as logged (trimmed), for the scenario's description.</summary>
    public required string Text { get; init; }
}
