namespace Harness.Transport.Nvmf;

/// <summary>
/// A controller reset or shutdown the host started with Property Set CC and that completes once every I/O qpair of
/// the controller is gone (SPDK's <c>disconnect_in_progress</c> / <c>disconnect_is_shn</c>).
/// </summary>
public enum NvmfPendingReset
{
    /// <summary>Nothing in progress.</summary>
    None,

    /// <summary>CC.EN went 1 → 0: CC and CSTS are cleared (CSTS.RDY = 0) when the I/O qpairs are gone.</summary>
    Reset,

    /// <summary>CC.SHN was set to normal or abrupt: CSTS.SHST goes from occurring to complete when the I/O qpairs are gone.</summary>
    Shutdown,
}
