using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>What an <see cref="INvmeHostDriver"/> reports to the application.</summary>
public interface INvmeHostSink
{
    /// <summary>
    /// Command <paramref name="tag"/> on I/O qpair <paramref name="qpair"/> is done: the target's completion, or ABORTED -
    /// SQ DELETION when the qpair died before the response came. Called exactly once per accepted command, from the
    /// qpair's or the admin poller.
    /// </summary>
    void OnIoCompleted(int qpair, ulong tag, in NvmeCompletion completion);

    /// <summary>
    /// Compare-and-write <paramref name="tag"/> on I/O qpair <paramref name="qpair"/> is done: both halves' completions
    /// (<paramref name="write"/> is ABORTED - FAILED FUSED when the Write half could not be sent after the Compare, and
    /// then <paramref name="sentTogether"/> is false). Called exactly once per accepted pair, in place of
    /// <see cref="OnIoCompleted"/>.
    /// </summary>
    void OnCompareAndWriteCompleted(int qpair, ulong tag, in NvmeCompletion compare, in NvmeCompletion write, bool sentTogether);

    /// <summary>The driver's own oracle saw something impossible (a second completion, a lost WR…): a finding.</summary>
    void OnViolation(string invariant, string detail);
}
