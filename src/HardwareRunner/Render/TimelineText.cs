using System.Globalization;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>Small text helpers of the timeline: statuses, times, record descriptions.</summary>
public static class TimelineText
{
    public const string Success = "IBV_WC_SUCCESS";
    public const string Flush = "IBV_WC_WR_FLUSH_ERR";

    /// <summary>True for an error status (anything but success).</summary>
    public static bool IsError(string? status) => status != null && status != Success;

    public static bool IsFlush(string? status) => status == Flush;

    /// <summary>Records that appear in the picture (receive posts and CM acks are too many and say little).</summary>
    public static bool IsDrawable(TraceKind kind) => kind is not (TraceKind.PostRecv or TraceKind.CmAck);

    /// <summary><c>IBV_WC_RETRY_EXC_ERR</c> → <c>RETRY_EXC_ERR</c>.</summary>
    public static string Short(string status) => status.StartsWith("IBV_WC_", StringComparison.Ordinal) ? status[7..] : status;

    /// <summary>A virtual time with a unit that keeps it short (ns, µs, ms, s).</summary>
    public static string Time(long ns) => ns switch
    {
        < 10_000 => string.Create(CultureInfo.InvariantCulture, $"{ns} ns"),
        < 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0.###} µs"),
        < 10_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.###} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.###} s"),
    };

    /// <summary>The whole record, one line (hover text).</summary>
    public static string Describe(in TraceRecord r)
    {
        var parts = new List<string> { Time(r.TimeNs), r.Kind.ToName(), r.Node };
        if (r.Thread != null)
        {
            parts.Add("thread " + r.Thread);
        }

        if (r.Qp != 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"qp 0x{r.Qp:x}"));
        }

        if (r.WrId != 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"wr_id 0x{r.WrId:x}"));
        }

        AddIf(parts, r.Op);
        AddIf(parts, r.Status);
        if (r.Length != 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"len {r.Length}"));
        }

        if (r.Arg != 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"arg {r.Arg}"));
        }

        AddIf(parts, r.Text);
        return string.Join(" · ", parts);
    }

    private static void AddIf(List<string> parts, string? s)
    {
        if (s != null)
        {
            parts.Add(s);
        }
    }
}
