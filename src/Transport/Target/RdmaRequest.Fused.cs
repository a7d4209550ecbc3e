namespace Harness.Transport.Target;

/// <summary>The fused-command links of a request (HEAD's <c>fused_failed</c> and <c>fused_pair</c>, rdma.c:247, :271).</summary>
public sealed partial class RdmaRequest
{
    /// <summary>
    /// The command broke the fused rules (a SECOND without a FIRST, a FIRST not followed by a SECOND, or the other half
    /// of its pair was freed first): it completes ABORTED - MISSING FUSED at READY_TO_EXECUTE without being executed.
    /// </summary>
    public bool FusedFailed { get; internal set; }

    /// <summary>The other half of a valid FIRST/SECOND pair until both are handed to the controller (null otherwise).</summary>
    public RdmaRequest? FusedPair { get; internal set; }
}
