using System.Xml.Linq;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness render</c>: the picture of a failing run shows the violated invariant, the retry-exceeded completion and
/// the request that went wrong; bad traces are named by file, line and field, exit 2, and nothing is written.
/// </summary>
public sealed class RenderTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-render-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_failing_run_renders_with_the_violated_invariant_the_retry_exceeded_completion_and_the_culprit_request()
    {
        var (_, trace) = FailingRuns.RetryExceededWithDefect;
        var svg = Path.Combine(_dir.FullName, "run.svg");

        var render = HarnessRun.Of("render", trace, "-o", svg);

        Assert.True(render.Exit == 0, render.ToString());
        var doc = XDocument.Load(svg);
        var violation = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "violation");
        Assert.Contains("INVARIANT BROKEN: request-in-one-queue", violation.Value, StringComparison.Ordinal);
        Assert.Contains("pending_rdma_read_queue", violation.Value, StringComparison.Ordinal);
        var errors = doc.Descendants().Where(e => (string?)e.Attribute("class") == "completion error").ToList();
        Assert.Contains(errors, e => e.Element(Svg + "title")!.Value.Contains("IBV_WC_RETRY_EXC_ERR", StringComparison.Ordinal));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("RETRY_EXC_ERR wr_id 0x", StringComparison.Ordinal));
        var culprit = doc.Descendants(Svg + "line").Where(l => ((string?)l.Attribute("class"))?.Contains("culprit", StringComparison.Ordinal) == true).ToList();
        Assert.Contains(culprit, l => l.Value.Contains("RDMA_READ", StringComparison.Ordinal) && l.Value.Contains("IBV_WC_RETRY_EXC_ERR", StringComparison.Ordinal));
        Assert.Contains("highlighted: request #", render.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendering_is_deterministic_and_html_wraps_the_same_picture()
    {
        var (_, trace) = FailingRuns.RetryExceededWithDefect;
        var a = Path.Combine(_dir.FullName, "a.svg");
        var b = Path.Combine(_dir.FullName, "b.svg");
        var html = Path.Combine(_dir.FullName, "run.html");

        Assert.Equal(0, HarnessRun.Of("render", trace, "-o", a).Exit);
        Assert.Equal(0, HarnessRun.Of("render", trace, "-o", b).Exit);
        Assert.Equal(0, HarnessRun.Of("render", trace, "-o", html).Exit);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        var page = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains("INVARIANT BROKEN: request-in-one-queue", page, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_without_faults_renders_without_a_violation()
    {
        var trace = Path.Combine(_dir.FullName, "ok.jsonl");
        var svg = Path.Combine(_dir.FullName, "ok.svg");
        Assert.Equal(0, HarnessRun.Of("run", "--seed", "3", "--ios", "50", "--trace", trace).Exit);

        var render = HarnessRun.Of("render", trace, "-o", svg);

        Assert.True(render.Exit == 0, render.ToString());
        var doc = XDocument.Load(svg);
        Assert.DoesNotContain(doc.Descendants(Svg + "g"), g => (string?)g.Attribute("id") == "violation");
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "result: no invariant broken in this trace");
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("host thread host.q1", StringComparison.Ordinal));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("target thread target.pg0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"t\":5,\"ev\":\"teleport\",\"node\":\"host\"}", "line 2", "'ev'")]
    [InlineData("{\"t\":\"soon\",\"ev\":\"note\",\"node\":\"host\"}", "line 2", "'t'")]
    [InlineData("{\"t\":5,\"ev\":\"note\"}", "line 2", "'node'")]
    [InlineData("{\"t\":5,\"ev\":\"note\",\"node\":\"host\",\"colour\":1}", "line 2", "'colour'")]
    [InlineData("not json", "line 2", "not JSON")]
    public void A_bad_trace_is_named_by_file_line_and_field_exits_2_and_writes_nothing(string badLine, string line, string named)
    {
        var trace = Path.Combine(_dir.FullName, "bad.jsonl");
        var svg = Path.Combine(_dir.FullName, "bad.svg");
        File.WriteAllText(trace, "{\"t\":0,\"ev\":\"note\",\"node\":\"harness\",\"text\":\"workload nvmf\"}\n" + badLine + "\n");

        var render = HarnessRun.Of("render", trace, "-o", svg);

        Assert.True(render.Exit == 2, render.ToString());
        Assert.Contains($"bad.jsonl:{line[5..]}", render.Stderr, StringComparison.Ordinal);
        Assert.Contains(named, render.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(svg));
        Assert.Empty(_dir.GetFiles("*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public void An_output_that_is_not_svg_or_html_is_a_usage_error()
    {
        var (_, trace) = FailingRuns.RetryExceededWithDefect;

        var render = HarnessRun.Of("render", trace, "-o", Path.Combine(_dir.FullName, "run.png"));

        Assert.True(render.Exit == 2, render.ToString());
        Assert.Contains("--output", render.Stderr, StringComparison.Ordinal);
    }
}
