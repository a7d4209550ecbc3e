namespace Harness.Transport.Host;

/// <summary>
/// A preemption hook. On hardware another thread may run between any two instructions; a single-threaded
/// deterministic run can only interleave where the code lets it. The host calls this at the points of
/// <see cref="HostInterleavingPoint"/>, on the thread that reached them, possibly holding the controller lock.
/// </summary>
public interface IHostInterleaving
{
    /// <summary>The current thread reached <paramref name="point"/> while working on <paramref name="qpair"/>.</summary>
    void At(HostInterleavingPoint point, NvmeRdmaQpair qpair);
}
