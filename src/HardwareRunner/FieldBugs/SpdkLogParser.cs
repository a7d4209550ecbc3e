using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Harness.Sim.Files;
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
/// <item>CM events by name (<c>Acceptor Event: RDMA_CM_EVENT_…</c>, <c>Expected … but received RDMA_CM_EVENT_…</c>, any
/// line naming one) or by number (<c>Unexpected Acceptor Event [10, 0]</c>: <c>enum rdma_cm_event_type</c>'s values);</item>
/// <item>async events (<c>Async event: local work queue catastrophic error</c>, by rdma-core's text or <c>IBV_EVENT_…</c> name);</item>
/// <item><c>bdev_nvme_delete_complete_poll: NVMe path '…' still exists after delete</c> (a controller delete that hangs).</item>
/// </list>
/// A line's side is its source file's (<c>nvme_rdma.c</c>, <c>bdev_nvme.c</c>, <c>nvme_*.c</c>: the host; <c>rdma.c</c>,
/// <c>nvmf*.c</c>: the target), else its function's. Events are put in timestamp order when every one has SPDK's
/// timestamp. Other SPDK lines count as benign; anything else is counted and sampled as unknown. Nothing in a log is
/// fatal, binary junk included: lines are read at most <see cref="LineCharsMax"/> characters long.
/// </summary>
public static partial class SpdkLogParser
{
    /// <summary>Longest log line considered (longer ones are cut).</summary>
    public const int LineCharsMax = 8192;

    /// <summary>Parses the log at <paramref name="path"/> into <paramref name="report"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, permission).</exception>
    public static void ReadFile(string path, FieldReport report)
    {
        using var stream = InputFile.OpenRead(path, "log");
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        Read(reader, report);
    }

    /// <summary>Parses every line of <paramref name="reader"/>, then orders the events by time.</summary>
    public static void Read(TextReader reader, FieldReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new BoundedLineReader(reader, LineCharsMax);
        while (lines.ReadLine(out var cut) is { } raw)
        {
            report.Lines++;
            report.CutLines += cut ? 1 : 0;
            var line = raw.Trim();
            if (line.Length > 0 && !Parse(line, report.Lines, report))
            {
                report.AddUnknown(report.Lines, line);
            }
        }

        report.OrderByTime();
    }

    /// <summary>True when the line is an SPDK line this importer knows (failure or benign).</summary>
    private static bool Parse(string line, int number, FieldReport report)
    {
        var spdk = SpdkLine().Match(line);
        var side = spdk.Success ? SideOf(spdk.Groups["file"].Value, spdk.Groups["function"].Value) : null;
        var message = spdk.Success ? spdk.Groups["message"].Value : line;
        var time = Timestamp(line);
        if (TargetWc().Match(message) is { Success: true } t)
        {
            Wc(report, FieldSide.Target, t.Groups["type"].Value, t.Groups["status"].Value, number, line, time);
            return true;
        }

        if (HostWc().Match(message) is { Success: true } h)
        {
            Wc(report, FieldSide.Host, h.Groups["type"].Value == "0" ? "RECV" : "SEND", h.Groups["status"].Value, number, line, time);
            return true;
        }

        if (message.Contains("still exists after delete", StringComparison.Ordinal))
        {
            report.Add(new FieldEvent { Kind = FieldEventKind.DeleteHang, Side = FieldSide.Host, Line = number, Time = time, Text = line });
            return true;
        }

        if (CmEventName(message) is { } cm)
        {
            report.Add(new FieldEvent { Kind = FieldEventKind.CmEvent, Side = side ?? GuessSide(message), Line = number, Time = time, Event = cm, Text = line });
            return true;
        }

        if (message.Contains("Async", StringComparison.Ordinal) && AsyncEventName(message) is { } async)
        {
            report.Add(new FieldEvent { Kind = FieldEventKind.AsyncEvent, Side = side ?? GuessSide(message), Line = number, Time = time, Event = async, Text = line });
            return true;
        }

        if (spdk.Success || message.Contains("Starting SPDK", StringComparison.Ordinal) || message.Contains("DPDK EAL parameters", StringComparison.Ordinal))
        {
            report.Benign++;
            return true;
        }

        return false;
    }

    private static void Wc(FieldReport report, FieldSide side, string type, string statusText, int number, string line, DateTime? time)
    {
        var status = (WcStatus)int.Parse(statusText, CultureInfo.InvariantCulture);
        if (status == WcStatus.WrFlushErr)
        {
            report.AddFlush(side, type);
            return;
        }

        report.Add(new FieldEvent { Kind = FieldEventKind.WcError, Side = side, Line = number, Time = time, WrType = type, Status = status, Text = line });
    }

    /// <summary>
    /// The CM event a line reports as received: by name (<c>but received X</c> wins over <c>Expected Y</c>), else by
    /// number (<c>Event [10, 0]</c>, <c>event (10)</c>) when the number is an <c>enum rdma_cm_event_type</c> value.
    /// </summary>
    private static string? CmEventName(string message)
    {
        var received = ReceivedCmEvent().Match(message);
        if (received.Success)
        {
            return received.Groups[1].Value;
        }

        var any = CmEvent().Match(message);
        if (any.Success && Enum.GetValues<CmEventType>().Any(t => t.ToVerbsString() == any.Value))
        {
            return any.Value;
        }

        var number = NumberedCmEvent().Match(message);
        return number.Success && int.TryParse(number.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Enum.IsDefined((CmEventType)n)
            ? ((CmEventType)n).ToVerbsString()
            : null;
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

    /// <summary>
    /// The side a source file (<c>nvme_rdma</c> of <c>nvme_rdma.c</c>) or, without one, a function belongs to: SPDK's
    /// host is lib/nvme (<c>nvme_*.c</c>) and module/bdev/nvme (<c>bdev_nvme*.c</c>), its target lib/nvmf
    /// (<c>rdma.c</c>, <c>nvmf*.c</c>, <c>ctrlr.c</c>…, functions <c>nvmf_…</c>); null when neither tells.
    /// </summary>
    private static FieldSide? SideOf(string file, string function)
    {
        if (file.StartsWith("nvme", StringComparison.Ordinal) || file.StartsWith("bdev_nvme", StringComparison.Ordinal))
        {
            return FieldSide.Host;
        }

        if (file is "rdma" or "ctrlr" or "subsystem" or "transport" || file.StartsWith("nvmf", StringComparison.Ordinal))
        {
            return FieldSide.Target;
        }

        return function.StartsWith("nvme_", StringComparison.Ordinal) || function.StartsWith("bdev_nvme", StringComparison.Ordinal) || function.StartsWith("spdk_nvme_", StringComparison.Ordinal)
            ? FieldSide.Host
            : function.StartsWith("nvmf_", StringComparison.Ordinal) || function.StartsWith("spdk_nvmf_", StringComparison.Ordinal) ? FieldSide.Target : null;
    }

    /// <summary>A line that names neither file nor function: the target's acceptor is the target, the rest the host.</summary>
    private static FieldSide GuessSide(string message) => message.Contains("Acceptor", StringComparison.Ordinal) ? FieldSide.Target : FieldSide.Host;

    /// <summary>SPDK's <c>[2024-03-11 09:12:44.100231]</c> line prefix as a time, or null.</summary>
    private static DateTime? Timestamp(string line)
    {
        var m = TimestampPrefix().Match(line);
        if (!m.Success)
        {
            return null;
        }

        var text = m.Groups["date"].Value + " " + m.Groups["time"].Value + (m.Groups["fraction"].Success ? "." + m.Groups["fraction"].Value[..Math.Min(7, m.Groups["fraction"].Length)] : string.Empty);
        return DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
    }

    [GeneratedRegex(@"(?:(?<file>[A-Za-z_][A-Za-z0-9_]*)\.c:\s*\d+:\s*)?(?<function>[A-Za-z_][A-Za-z0-9_]*): \*(?<level>ERROR|WARNING|NOTICE|INFO|DEBUG)\*: (?<message>.*)$")]
    private static partial Regex SpdkLine();

    [GeneratedRegex(@"^\[(?<date>\d{4}-\d{2}-\d{2})[ T](?<time>\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,9}))?\]")]
    private static partial Regex TimestampPrefix();

    [GeneratedRegex(@"Error on CQ (?:0x[0-9a-fA-F]+|\(nil\)), \(qp state -?\d+,? (?:ibv_state|in_error) -?\d+\) request 0x[0-9a-fA-F]+, type (?<type>[A-Z]+), status: \((?<status>\d{1,9})\)")]
    private static partial Regex TargetWc();

    [GeneratedRegex(@"WC error, qp state -?\d+, request 0x[0-9a-fA-F]+ type (?<type>\d+), status: \((?<status>\d{1,9})\)")]
    private static partial Regex HostWc();

    [GeneratedRegex(@"but received (RDMA_CM_EVENT_[A-Z_]+)")]
    private static partial Regex ReceivedCmEvent();

    [GeneratedRegex(@"RDMA_CM_EVENT_[A-Z_]+")]
    private static partial Regex CmEvent();

    [GeneratedRegex(@"\b[Ee]vent:?\s*[\[(](?<n>\d{1,3})(?:\s*,\s*-?\d+)?[\])]")]
    private static partial Regex NumberedCmEvent();
}
