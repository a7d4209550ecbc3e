namespace Harness.HardwareRunner.Workloads;

/// <summary>Sizes and magic numbers of the workload's messages and CM private data (all little-endian).</summary>
internal static class WireFormat
{
    /// <summary>"NVRQ": a request SEND from host to target.</summary>
    public const uint RequestMagic = 0x5152564E;

    /// <summary>"NVRS": a response SEND from target to host.</summary>
    public const uint ResponseMagic = 0x5352564E;

    /// <summary>"NVCN": the host's rdma_connect private data.</summary>
    public const uint ConnectMagic = 0x4E43564E;

    /// <summary>"NVAC": the target's rdma_accept private data.</summary>
    public const uint AcceptMagic = 0x4341564E;

    public const int RequestBytes = 32;
    public const int ResponseBytes = 16;
    public const int ConnectBytes = 16;
    public const int AcceptBytes = 24;

    /// <summary>Size of every message buffer (receive buffers take either message).</summary>
    public const int MessageSlotBytes = 32;
}
