namespace Harness.Transport.Verbs;

/// <summary>Named bounds of the verbs abstraction.</summary>
public static class VerbsLimits
{
    /// <summary>Scatter/gather entries a single work request can carry (inline in the struct, so posting never allocates).</summary>
    public const int SgeCountMax = 16;

    /// <summary>rdma_cm private data limits on RoCE/IB (rdma_connect, rdma_accept, rdma_reject), in bytes.</summary>
    public const int ConnectPrivateDataBytesMax = 56;

    /// <inheritdoc cref="ConnectPrivateDataBytesMax"/>
    public const int AcceptPrivateDataBytesMax = 196;

    /// <inheritdoc cref="ConnectPrivateDataBytesMax"/>
    public const int RejectPrivateDataBytesMax = 148;

    /// <summary>3-bit IB retry counters (retry_cnt, rnr_retry); rnr_retry = 7 means "retry forever".</summary>
    public const int RetryCountMax = 7;

    /// <summary>5-bit local ACK timeout exponent: timeout = 4.096 µs × 2^value.</summary>
    public const int AckTimeoutExponentMax = 31;
}
