namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The known-defect switches (contract, DESIGN.md): names of historical SPDK bugs the transport can be built to
/// reproduce. <c>harness run --defect NAME</c> accepts them; the transports they affect come with their own issues.
/// </summary>
public static class KnownDefects
{
    /// <summary>A request waiting in the pending RDMA read queue is inserted into another queue on the error path.</summary>
    public const string PendingReadQueueDoubleInsert = "pending-read-queue-double-insert";

    /// <summary>The host destroys a qpair leaving LINGERING without the controller lock.</summary>
    public const string LingeringWithoutCtrlrLock = "lingering-without-ctrlr-lock";

    /// <summary>Every known defect name.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { PendingReadQueueDoubleInsert, LingeringWithoutCtrlrLock };

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
