using Harness.Transport.Nvme;

namespace Harness.Transport.Host;

/// <summary>
/// One command slot of a qpair (SPDK <c>spdk_nvme_rdma_req</c>): its index is the CID; it is free or outstanding,
/// and tracks its SEND and the response RECV separately. Outstanding requests form an intrusive list in submission
/// order (oldest first, for timeouts), so submitting allocates nothing.
/// </summary>
internal sealed class NvmeRdmaRequest
{
    public NvmeRdmaRequest(ushort id) => Id = id;

    public ushort Id { get; }

    public bool Outstanding { get; set; }

    public bool SendPosted { get; set; }

    public RdmaCompletionFlags Flags { get; set; }

    /// <summary>The response's copy (SPDK <c>rdma_req-&gt;cpl</c>): its buffer was re-posted when it arrived.</summary>
    public NvmeCompletion Completion { get; set; }

    public byte Opcode { get; set; }

    public long DeadlineNs { get; set; }

    /// <summary>Its timeout was acted on (SPDK's <c>req-&gt;timed_out</c>): it is not reported again.</summary>
    public bool TimedOut { get; set; }

    public NvmeCompletionCallback? Callback { get; set; }

    public object? Context { get; set; }

    public NvmeRdmaRequest? Prev { get; set; }

    public NvmeRdmaRequest? Next { get; set; }

    /// <summary>Clears everything but the id (SPDK nvme_rdma_req_put).</summary>
    public void Reset()
    {
        Outstanding = false;
        TimedOut = false;
        Flags = RdmaCompletionFlags.None;
        Completion = default;
        Callback = null;
        Context = null;
        Prev = null;
        Next = null;
    }
}
