namespace Harness.HardwareRunner.FieldBugs;

/// <summary>Which side of the connection logged a line.</summary>
public enum FieldSide
{
    /// <summary>The NVMe-oF target (<c>lib/nvmf/rdma.c</c>).</summary>
    Target,

    /// <summary>The host (<c>lib/nvme/nvme_rdma.c</c>, <c>module/bdev/nvme</c>).</summary>
    Host,
}
