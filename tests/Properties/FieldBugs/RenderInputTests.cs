using System.Xml.Linq;
using Harness.Tests.Properties.Cli;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness render</c> on input it cannot draw: a window that is inverted, absurd or empty, a trace that is empty,
/// binary, has negative times or duplicated fields, a directory, an unwritable output. Each is exit 2 with the option
/// (or file and line) named, no .NET type name, and nothing written; control characters in a trace are drawn escaped.
/// </summary>
public sealed class RenderInputTests : IDisposable
{
    private const string Header = "{\"t\":0,\"ev\":\"note\",\"node\":\"harness\",\"text\":\"workload nvmf\"}\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-render-input-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Svg => Path.Combine(_dir.FullName, "run.svg");

    [Theory]
    [InlineData("--from-us 500 --until-us 100", "--from-us 500 is after --until-us 100")]
    [InlineData("--from-us 1e300", "--from-us 1e300: not a virtual time in microseconds")]
    [InlineData("--from-us NaN", "--from-us NaN: not a virtual time in microseconds")]
    [InlineData("--until-us Infinity", "--until-us Infinity: not a virtual time in microseconds")]
    [InlineData("--from-us -5", "--from-us -5: not a virtual time in microseconds")]
    [InlineData("--from-us soon", "--from-us soon: not a virtual time in microseconds")]
    [InlineData("--context many", "--context many: not a whole number")]
    [InlineData("--records-max 1", "--records-max 1: not a whole number from 2")]
    [InlineData("--from-us 99999999", "--from-us 99999999: no record of ")]
    public void A_window_that_cannot_be_drawn_is_exit_2_naming_the_option(string options, string named)
    {
        var trace = Trace(Header + "{\"t\":1000,\"ev\":\"note\",\"node\":\"host\",\"text\":\"x\"}\n");

        var render = HarnessRun.Of(["render", trace, "-o", Svg, .. options.Split(' ')]);

        AssertRefused(render, named);
    }

    [Fact]
    public void A_window_after_the_trace_says_what_the_trace_spans()
    {
        var trace = Trace(Header + "{\"t\":2500,\"ev\":\"note\",\"node\":\"host\",\"text\":\"x\"}\n");

        var render = HarnessRun.Of("render", trace, "-o", Svg, "--from-us", "10", "--until-us", "20");

        AssertRefused(render, "its 2 records span 0..2.5 µs");
    }

    [Theory]
    [InlineData("", "trace.jsonl: no records")]
    [InlineData("{\"t\":-5,\"ev\":\"note\",\"node\":\"host\"}\n", "trace.jsonl:2: field 't': -5: a time in ns since the run started cannot be negative")]
    [InlineData("{\"t\":5,\"ev\":\"note\",\"node\":\"host\",\"t\":6}\n", "trace.jsonl:2: not JSON: property 't' appears twice")]
    [InlineData("{\"t\":5,\"ev\":\"note\",\"node\":{\"a\":1}}\n", "trace.jsonl:2: field 'node': must be a string, not an object")]
    public void A_bad_trace_is_named_by_file_and_line(string body, string named)
    {
        var trace = Trace(body.Length == 0 ? string.Empty : Header + body);

        AssertRefused(HarnessRun.Of("render", trace, "-o", Svg), named);
    }

    [Fact]
    public void Binary_input_is_refused_at_its_first_bad_byte()
    {
        var trace = Path.Combine(_dir.FullName, "core.jsonl");
        File.WriteAllBytes(trace, [.. System.Text.Encoding.UTF8.GetBytes(Header), 0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, 0x1b, 0x5b, 0x32, 0x4a]);

        var render = HarnessRun.Of("render", trace, "-o", Svg);

        AssertRefused(render, "core.jsonl:2: not UTF-8: byte 0xff at column 5");
    }

    [Fact]
    public void A_directory_given_as_the_trace_is_named_as_a_directory()
    {
        AssertRefused(HarnessRun.Of("render", _dir.FullName, "-o", Svg), "is a directory");
    }

    [Fact]
    public void The_output_is_checked_before_the_trace_is_read()
    {
        var missing = Path.Combine(_dir.FullName, "no-such-trace.jsonl");
        var output = Path.Combine(_dir.FullName, "no-such-dir", "run.svg");

        var render = HarnessRun.Of("render", missing, "-o", output);

        AssertRefused(render, $"--output {output}: cannot write the picture there");
        Assert.DoesNotContain("no such file", render.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_a_trace_are_drawn_and_printed_escaped()
    {
        var trace = Trace(Header + "{\"t\":7,\"ev\":\"note\",\"node\":\"host\\u001b[31m\",\"text\":\"\\u001b]0;owned\\u0007\"}\n");

        var render = HarnessRun.Of("render", trace, "-o", Svg);

        Assert.True(render.Exit == 0, render.ToString());
        var svg = File.ReadAllText(Svg);
        Assert.DoesNotContain('\u001b', svg);
        Assert.Contains("\\x1b]0;owned\\x07", svg, StringComparison.Ordinal);
        _ = XDocument.Parse(svg); // well-formed XML: no raw control character
        Assert.DoesNotContain('\u001b', render.Stdout + render.Stderr);
    }

    [Fact]
    public void A_window_capped_by_records_max_says_how_many_records_were_elided()
    {
        var body = new System.Text.StringBuilder(Header);
        for (var t = 1; t < 50; t++)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"t\":{t * 1000},\"ev\":\"note\",\"node\":\"host\",\"text\":\"x\"}}\n");
        }

        var render = HarnessRun.Of("render", Trace(body.ToString()), "-o", Svg, "--records-max", "10");

        Assert.True(render.Exit == 0, render.ToString());
        Assert.Contains("window 1..50 (40 records in the middle elided: --records-max 10)", render.Stdout, StringComparison.Ordinal);
    }

    private string Trace(string text)
    {
        var path = Path.Combine(_dir.FullName, "trace.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    private void AssertRefused(HarnessRun render, string named)
    {
        Assert.True(render.Exit == 2, render.ToString());
        Assert.Contains(named, render.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", render.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Svg), "a picture was written");
        Assert.Empty(_dir.GetFiles("*.tmp", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true }));
    }
}
