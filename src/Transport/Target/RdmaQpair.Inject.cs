using Harness.Transport.RdmaCm;

namespace Harness.Transport.Target;

/// <summary>A qpair restored from a core-dump snapshot.</summary>
public sealed partial class RdmaQpair
{
    /// <summary>A qpair whose depths are the snapshot's (SPDK's max_send_depth is min(2 × depth, the device's max_send_wr)).</summary>
    internal RdmaQpair(NvmfRdmaTransport transport, ICmId cmId, int maxQueueDepth, int maxReadDepth, int maxSendDepth, ushort qid, string name)
        : this(transport, cmId, maxQueueDepth, maxReadDepth, qid, name)
    {
        MaxSendDepth = maxSendDepth;
        SendBatch = new Verbs.SendWorkRequest[Math.Min(BatchedWrsMax, Math.Max(1, maxSendDepth))];
        Restored = true;
    }

    /// <summary>True for a qpair restored from a snapshot (no host is connected to it).</summary>
    public bool Restored { get; }

    /// <summary>The address of <c>struct spdk_nvmf_rdma_qpair</c> in the core it came from (restored qpairs).</summary>
    public ulong CoreAddress { get; internal set; }
}
