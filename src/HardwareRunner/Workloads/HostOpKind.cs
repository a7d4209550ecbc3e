namespace Harness.HardwareRunner.Workloads;

/// <summary>The two operations of the workload.</summary>
internal enum HostOpKind : byte
{
    None = 0,

    /// <summary>RDMA WRITE of a block, then a request SEND, answered by a response SEND.</summary>
    Write,

    /// <summary>RDMA READ of a written block, verified byte for byte.</summary>
    Read,
}
