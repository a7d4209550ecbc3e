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

    /// <summary>The driver's own oracle saw something impossible (a second completion, a lost WR…): a finding.</summary>
    void OnViolation(string invariant, string detail);
}
