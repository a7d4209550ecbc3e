using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// Reads SPDK target and host logs into a <see cref="FieldReport"/>. A line may carry any prefix (SPDK's
/// <c>[timestamp] rdma.c:4575:</c>, journald's <c>host nvmf_tgt[123]:</c>, the harness's <c>[target]</c>); what counts is
/// SPDK's <c>function: *LEVEL*: message</c>. Recognised:
/// <list type="bullet">
/// <item><c>nvmf_rdma_log_wc_status</c>: <c>Error on CQ 0x…, (qp state N ibv_state M) request 0x…, type DATA, status: (12): …</c>
/// (both the 2024 form and the current <c>qp state N, in_error M</c>); status 5 (flush) is attached to the error before it;</item>
/// <item><c>nvme_rdma_log_wc_status</c> (host): <c>WC error, qp state N, request 0x… type T, status: (S): …</c>;</item>
/// <item>CM events (<c>Acceptor Event: RDMA_CM_EVENT_…</c>, <c>Expected … but received RDMA_CM_EVENT_… </c>, any line naming one);</item>
/// <item>async events (<c>Async event: local work queue catastrophic error</c>, by rdma-core's text or <c>IBV_EVENT_…</c> name);</item>
/// <item><c>bdev_nvme_delete_complete_poll: NVMe path '…' still exists after delete</c> (a controller delete that hangs).</item>
/// </list>
/// Other SPDK lines count as benign; anything else is counted and sampled as unknown. Nothing in a log is fatal.
/// </summary>
public static partial class SpdkLogParser
{
    /// <summary>Longest log line considered (longer ones are cut).</summary>
    public const int LineCharsMax = 8192;

    /// <summary>Events kept at most (a log of a flapping cluster may hold millions).</summary>
    public const int EventsMax = 10_000;

    /// <summary>Parses the log at <paramref name="path"/> into <paramref name="report"/>.</summary>
    public static void ReadFile(string path, FieldReport report)
    {
        using var reader = new StreamReader(path);
        Read(reader, report);
    }

    /// <summary>Parses every line of <paramref name="reader"/>.</summary>
    public static void Read(TextReader reader, FieldReport report)
    {
        while (reader.ReadLine() is { } raw)
        {
            report.Lines++;
            var line = raw.Length > LineCharsMax ? raw[..LineCharsMax] : raw;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (!Parse(line.Trim(), report.Lines, report))
            {
                report.AddUnknown(report.Lines, line.Trim());
            }
        }
    }

    /// <summary>True when the line is an SPDK line this importer knows (failure or benign).</summary>
    private static bool Parse(string line, int number, FieldReport report)
    {
        var spdk = SpdkLine().Match(line);
        var function = spdk.Success ? spdk.Groups["function"].Value : string.Empty;
        var message = spdk.Success ? spdk.Groups["message"].Value : line;
        if (TargetWc().Match(message) is { Success: true } t)
        {
            Wc(report, FieldSide.Target, t.Groups["type"].Value, t.Groups["status"].Value, number, line);
            return true;
        }

        if (HostWc().Match(message) is { Success: true } h)
        {
            Wc(report, FieldSide.Host, h.Groups["type"].Value == "0" ? "RECV" : "SEND", h.Groups["status"].Value, number, line);
            return true;
        }

        if (message.Contains("still exists after delete", StringComparison.Ordinal))
        {
            Add(report, new FieldEvent { Kind = FieldEventKind.DeleteHang, Side = FieldSide.Host, Line = number, Text = line });
            return true;
        }

        if (CmEventName(message) is { } cm)
        {
            Add(report, new FieldEvent { Kind = FieldEventKind.CmEvent, Side = Side(function, message), Line = number, Event = cm, Text = line });
            return true;
        }

        if (message.Contains("Async", StringComparison.Ordinal) && AsyncEventName(message) is { } async)
        {
            Add(report, new FieldEvent { Kind = FieldEventKind.AsyncEvent, Side = Side(function, message), Line = number, Event = async, Text = line });
            return true;
        }

        if (spdk.Success || message.Contains("Starting SPDK", StringComparison.Ordinal) || message.Contains("DPDK EAL parameters", StringComparison.Ordinal))
        {
            report.Benign++;
            return true;
        }

        return false;
    }

    private static void Wc(FieldReport report, FieldSide side, string type, string statusText, int number, string line)
    {
        var status = (WcStatus)int.Parse(statusText, CultureInfo.InvariantCulture);
        if (status == WcStatus.WrFlushErr)
        {
            var owner = report.Events.LastOrDefault(e => e.Kind == FieldEventKind.WcError && e.Side == side);
            if (owner != null && type == "RECV")
            {
                owner.FlushedRecvs++;
            }
            else if (owner != null)
            {
                owner.FlushedSends++;
            }
            else
            {
                report.OrphanFlushes++;
            }

            return;
        }

        Add(report, new FieldEvent { Kind = FieldEventKind.WcError, Side = side, Line = number, WrType = type, Status = status, Text = line });
    }

    private static void Add(FieldReport report, FieldEvent e)
    {
        if (report.Events.Count < EventsMax)
        {
            report.Events.Add(e);
        }
    }

    /// <summary>The CM event a line reports as received (<c>but received X</c> wins over <c>Expected Y</c>).</summary>
    private static string? CmEventName(string message)
    {
        var received = ReceivedCmEvent().Match(message);
        if (received.Success)
        {
            return received.Groups[1].Value;
        }

        var any = CmEvent().Match(message);
        return any.Success && Enum.GetValues<CmEventType>().Any(t => "RDMA_CM_EVENT_" + t.ToName() == any.Value) ? any.Value : null;
    }

    /// <summary><c>IBV_EVENT_…</c> for an async-event line, by name or by rdma-core's text.</summary>
    private static string? AsyncEventName(string message)
    {
        foreach (var type in Enum.GetValues<AsyncEventType>())
        {
            if (message.Contains("IBV_EVENT_" + type.ToName(), StringComparison.Ordinal) ||
                message.EndsWith(": " + type.ToVerbsString(), StringComparison.Ordinal))
            {
                return "IBV_EVENT_" + type.ToName();
            }
        }

        return null;
    }

    private static FieldSide Side(string function, string message) =>
        function.StartsWith("nvmf_", StringComparison.Ordinal) || message.Contains("Acceptor", StringComparison.Ordinal) ? FieldSide.Target : FieldSide.Host;

    [GeneratedRegex(@"(?<function>[A-Za-z_][A-Za-z0-9_]*): \*(?<level>ERROR|WARNING|NOTICE|INFO|DEBUG)\*: (?<message>.*)$")]
    private static partial Regex SpdkLine();

    [GeneratedRegex(@"Error on CQ (?:0x[0-9a-fA-F]+|\(nil\)), \(qp state -?\d+,? (?:ibv_state|in_error) -?\d+\) request 0x[0-9a-fA-F]+, type (?<type>[A-Z]+), status: \((?<status>\d+)\)")]
    private static partial Regex TargetWc();

    [GeneratedRegex(@"WC error, qp state -?\d+, request 0x[0-9a-fA-F]+ type (?<type>\d+), status: \((?<status>\d+)\)")]
    private static partial Regex HostWc();

    [GeneratedRegex(@"but received (RDMA_CM_EVENT_[A-Z_]+)")]
    private static partial Regex ReceivedCmEvent();

    [GeneratedRegex(@"RDMA_CM_EVENT_[A-Z_]+")]
    private static partial Regex CmEvent();
}
