namespace Harness.Transport.Target;

/// <summary>The fused-command bookkeeping of a qpair (HEAD's <c>fused_first</c>, rdma.c:391).</summary>
public sealed partial class RdmaQpair
{
    /// <summary>
    /// The last FIRST that arrived and has not been paired with the next command yet (HEAD's <c>fused_first</c>): the
    /// next command decides whether it is a valid pair (a SECOND) or fails it (anything else).
    /// </summary>
    public RdmaRequest? FusedFirst { get; internal set; }

    /// <summary>
    /// <see cref="RdmaRequest.Generation"/> of <see cref="FusedFirst"/> when it was recorded: a different generation
    /// now means the request was freed (and maybe reused) while the qpair still pointed at it (docs/findings/020).
    /// </summary>
    internal long FusedFirstGeneration { get; set; }

    /// <inheritdoc/>
    public INvmfRequest? FirstFusedReq { get; set; }
}
