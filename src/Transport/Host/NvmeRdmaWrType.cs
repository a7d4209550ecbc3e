namespace Harness.Transport.Host;

/// <summary>What a host work request is (SPDK's <c>enum nvme_rdma_wr_type</c>): the host posts only these two.</summary>
public enum NvmeRdmaWrType
{
    /// <summary><c>RDMA_WR_TYPE_RECV</c>: a response buffer.</summary>
    Recv = 0,

    /// <summary><c>RDMA_WR_TYPE_SEND</c>: a command capsule.</summary>
    Send = 1,
}
