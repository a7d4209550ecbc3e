namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_request</c>.</summary>
public sealed record RequestSnapshot
{
    public required string Address { get; init; }

    public required int Index { get; init; }

    /// <summary>State name without <c>RDMA_REQUEST_STATE_</c>.</summary>
    public required string State { get; init; }

    /// <summary><c>req.qpair</c> (the generic qpair, first member of the rdma qpair).</summary>
    public string? Qpair { get; init; }

    public required int NumWrs { get; init; }

    public required int NumOutstandingDataWr { get; init; }

    public required int NumRemainingDataWr { get; init; }

    /// <summary><c>state_link.stqe_next</c>.</summary>
    public string? StateLinkNext { get; init; }

    /// <summary>Index of <c>recv</c> in the resources' receive array, or null.</summary>
    public int? Recv { get; init; }

    public required uint Length { get; init; }

    /// <summary><c>req.xfer</c> (<c>enum spdk_nvme_data_transfer</c> name).</summary>
    public required string Xfer { get; init; }

    /// <summary><c>data.wr.opcode</c> (<c>enum ibv_wr_opcode</c> name).</summary>
    public required string DataOpcode { get; init; }

    /// <summary>The 64-byte command capsule in hex (requests in use only).</summary>
    public string? Command { get; init; }
}
