namespace Harness.Transport.Host;

/// <summary>Why a qpair failed (SPDK <c>enum spdk_nvme_qpair_failure_reason</c>, plus the host's own timeout).</summary>
public enum QpairFailureReason
{
    /// <summary>Not failed.</summary>
    None = 0,

    /// <summary>Local: device removal, address change, a local work completion error.</summary>
    Local,

    /// <summary>Remote: the target disconnected, transport retries exhausted, a protocol violation by the target.</summary>
    Remote,

    /// <summary>A command was not answered within its timeout.</summary>
    Timeout,

    /// <summary>The connection could not be established.</summary>
    ConnectFailed,

    /// <summary>The application or the controller asked for the disconnect.</summary>
    Requested,
}
