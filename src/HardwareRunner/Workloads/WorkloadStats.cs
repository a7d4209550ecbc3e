namespace Harness.HardwareRunner.Workloads;

/// <summary>What the workload did: the figures of <c>harness run</c>'s summary.</summary>
public sealed class WorkloadStats
{
    /// <summary>Operations requested (<c>--ios</c>).</summary>
    public int Ios { get; internal set; }

    /// <summary>Operations that completed successfully.</summary>
    public long Completed { get; internal set; }

    /// <summary>Operations in flight on a qpair when it failed (each completed exactly once, as failed).</summary>
    public long FailedInFlight { get; internal set; }

    /// <summary>Operations never issued because their qpair failed first.</summary>
    public long NotIssued { get; internal set; }

    /// <summary>Operations the target completed with an NVMe error status (NVMe-oF workload).</summary>
    public long FailedStatus { get; internal set; }

    /// <summary>
    /// The NVMe statuses of <see cref="FailedStatus"/> (printed as SPDK does, e.g. <c>UNRECOVERED READ ERROR (02/81)</c>)
    /// and how many operations failed with each, in the order of the status text.
    /// </summary>
    public SortedDictionary<string, long> FailedStatuses { get; } = new(StringComparer.Ordinal);

    /// <summary>Failed operations in total.</summary>
    public long Failed => FailedInFlight + FailedStatus + NotIssued;

    public long Writes { get; internal set; }

    public long Reads { get; internal set; }

    /// <summary>Compare-and-write pairs issued (counted in <see cref="Writes"/> too), and of those, how many compared data the blocks did not hold.</summary>
    public long CompareAndWrites { get; internal set; }

    /// <summary>Compare-and-write pairs issued with data the blocks did not hold (COMPARE FAILURE is their success).</summary>
    public long CompareMismatches { get; internal set; }

    /// <summary>Bytes read back with RDMA READ and compared with what was written.</summary>
    public long VerifiedBytes { get; internal set; }

    /// <summary>Requests the target received and answered.</summary>
    public long TargetRequests { get; internal set; }

    /// <summary>Bytes the target checked against the checksum in each request.</summary>
    public long TargetCheckedBytes { get; internal set; }

    /// <summary>Qpairs that reached ESTABLISHED.</summary>
    public int QpairsConnected { get; internal set; }

    /// <summary>Qpairs that failed (connect error, error completion, unexpected disconnect…).</summary>
    public int QpairsFailed { get; internal set; }

    /// <summary>CM events got and acked, both sides.</summary>
    public long CmEvents { get; internal set; }

    /// <summary>Asynchronous verbs events got and acked, both sides.</summary>
    public long AsyncEvents { get; internal set; }

    /// <summary>One line per failed qpair saying why.</summary>
    public List<string> FailureReasons { get; } = new();

    /// <summary>Blocks a read could not check because two writes to them failed in a row (NVMe-oF workload).</summary>
    public long UnverifiableBlocks { get; internal set; }

    /// <summary>Operations finished (successfully or not), for progress reports.</summary>
    public long Done => Completed + Failed;
}
