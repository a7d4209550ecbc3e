using System.Globalization;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// The target's log, in SPDK's format (<c>function: *ERROR*: text</c>), so field logs and simulated logs read alike and
/// the log importer can read both. Lines go to the observer; counts are kept per level.
/// </summary>
public sealed class TargetLog
{
    private readonly string _host;
    private readonly ITargetObserver? _observer;

    internal TargetLog(string host, ITargetObserver? observer)
    {
        _host = host;
        _observer = observer;
    }

    public int Errors { get; private set; }

    public int Warnings { get; private set; }

    /// <summary><c>nvmf_rdma_log_wc_status</c>: one line per error completion (flushes are debug-level and not logged).</summary>
    internal void LogWcStatus(RdmaQpair qpair, RdmaResources resources, in WorkCompletion wc)
    {
        var type = RdmaWrId.Type(wc.WrId) switch
        {
            RdmaWrType.Data => "DATA",
            RdmaWrType.Send => "SEND",
            _ => "RECV",
        };
        Errors++;
        Emit(string.Create(CultureInfo.InvariantCulture,
            $"nvmf_rdma_log_wc_status: *ERROR*: Error on CQ 0x{resources.Id:x}, (qp state {(int)qpair.GenericState} ibv_state {(int)(qpair.Qp?.State ?? QpState.Unknown)}) request 0x{wc.WrId:x}, type {type}, status: ({(int)wc.Status}): {wc.Status.ToVerbsString()}"));
    }

    internal void Error(RdmaQpair? qpair, string text)
    {
        Errors++;
        Emit($"nvmf_rdma: *ERROR*: {Prefix(qpair)}{text}");
    }

    internal void Warning(RdmaQpair? qpair, string text)
    {
        Warnings++;
        Emit($"nvmf_rdma: *WARNING*: {Prefix(qpair)}{text}");
    }

    internal void Notice(RdmaQpair? qpair, string text) => Emit($"nvmf_rdma: *NOTICE*: {Prefix(qpair)}{text}");

    private static string Prefix(RdmaQpair? qpair) => qpair == null ? string.Empty : qpair + ": ";

    private void Emit(string line) => _observer?.OnLog($"[{_host}] {line}");
}
