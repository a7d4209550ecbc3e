namespace Harness.Transport.Target.Snapshot;

/// <summary>A queue of a snapshot with the name messages use (<c>pending_rdma_read_queue of qpair 0x… (qid 1)</c>).</summary>
/// <param name="Name">For messages.</param>
/// <param name="Field">SPDK's field name.</param>
/// <param name="Queue">The elements walked from its head.</param>
public sealed record NamedQueue(string Name, string Field, QueueSnapshot Queue);
