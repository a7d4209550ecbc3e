using System.Globalization;
using System.Text;
using Harness.HardwareRunner.FieldBugs;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness import-log</c> on what a field log can also be: control characters and binary junk (printed escaped,
/// never fatal), more failures than kept and counters beyond 64 bits (the counts say they are capped), a directory,
/// an unwritable output or a bad name (exit 2, checked before the log is read, nothing written or clobbered).
/// </summary>
public sealed class ImportLogInputTests : IDisposable
{
    private const string RetryExceeded =
        "rdma.c:4394:nvmf_rdma_log_wc_status: *ERROR*: Error on CQ 0x1, (qp state 3 ibv_state 6) request 0x2, type DATA, status: (12): transport retry counter exceeded";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-import-log-input-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Output => Path.Combine(_dir.FullName, "scenario.json");

    [Fact]
    public void Control_characters_of_the_log_are_printed_escaped()
    {
        var log = Write("esc.log", "hello \u001b[2J\u001b]0;owned\u0007 world\n" + RetryExceeded + " \u001b[31mred\u009b\n");

        var run = HarnessRun.Of("import-log", log, "-o", Output);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("unknown line 1: hello \\x1b[2J\\x1b]0;owned\\x07 world", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stdout + run.Stderr, c => char.IsControl(c) && c is not ('\n' or '\r'));
    }

    [Fact]
    public void Binary_input_without_line_breaks_is_read_in_bounded_lines_and_never_crashes()
    {
        var bytes = new byte[3 << 20];
        new Random(7).NextBytes(bytes);
        bytes.AsSpan().Replace((byte)'\n', (byte)0xff);
        bytes.AsSpan().Replace((byte)'\r', (byte)0x00);
        var log = Path.Combine(_dir.FullName, "core.bin");
        File.WriteAllBytes(log, bytes);

        var run = HarnessRun.Of("import-log", log, "--counters", log, "-o", Output);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("no failure recognised", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"1 line(s) longer than {SpdkLogParser.LineCharsMax} characters"), run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stdout + run.Stderr, c => char.IsControl(c) && c is not ('\n' or '\r'));
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void More_error_completions_than_kept_are_printed_as_capped_with_the_count_the_log_has()
    {
        var lines = new StringBuilder();
        for (var i = 0; i < FieldReport.EventsMax + 5000; i++)
        {
            lines.Append(RetryExceeded).Append('\n');
        }

        var run = HarnessRun.Of("import-log", Write("storm.log", lines.ToString()), "-o", Output);

        Assert.True(run.Exit == 0, run.ToString());
        var capped = string.Create(CultureInfo.InvariantCulture, $"{FieldReport.EventsMax} (capped; the log has {FieldReport.EventsMax + 5000}) error completion(s)");
        Assert.Contains(capped, run.Stdout, StringComparison.Ordinal);
        Assert.Contains(capped, ScenarioFile.Load(Output).Scenario.Description, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"… and {FieldReport.EventsMax + 5000 - 20} more event(s)"), run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Counters_beyond_64_bits_are_printed_as_capped()
    {
        var counters = Write("nic.txt", "req_cqe_error: 9223372036854775807\nreq_cqe_error: 5\nlocal_ack_timeout_err: 99999999999999999999999\n");

        var run = HarnessRun.Of("import-log", Write("one.log", RetryExceeded + "\n"), "--counters", counters, "-o", Output);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("req_cqe_error 9223372036854775807 (capped; the input has more)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("local_ack_timeout_err 9223372036854775807 (capped; the input has more)", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LOGFILE")]
    [InlineData("--counters")]
    public void A_directory_given_as_input_is_named_as_a_directory(string which)
    {
        var log = which == "LOGFILE" ? _dir.FullName : Write("one.log", RetryExceeded + "\n");
        string[] counters = which == "--counters" ? ["--counters", _dir.FullName] : [];

        var run = HarnessRun.Of(["import-log", log, .. counters, "-o", Output]);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{which} {_dir.FullName}: is a directory", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void The_output_and_the_name_are_checked_before_the_log_is_read()
    {
        var missing = Path.Combine(_dir.FullName, "no-such.log");
        var output = Path.Combine(_dir.FullName, "no-such-dir", "s.json");

        var badOutput = HarnessRun.Of("import-log", missing, "-o", output);
        var badName = HarnessRun.Of("import-log", missing, "-o", Output, "--name", "-dash\u001b");

        Assert.True(badOutput.Exit == 2, badOutput.ToString());
        Assert.Contains($"--output {output}: cannot write the scenario there", badOutput.Stderr, StringComparison.Ordinal);
        Assert.True(badName.Exit == 2, badName.ToString());
        Assert.Contains("--name -dash\\x1b: a scenario name is", badName.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", badOutput.Stderr + badName.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_import_leaves_an_existing_scenario_as_it_was()
    {
        File.WriteAllText(Output, "previous");

        var run = HarnessRun.Of("import-log", Write("quiet.log", "hello\n"), "-o", Output);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal("previous", File.ReadAllText(Output));
        Assert.DoesNotContain(_dir.GetFiles("*", new EnumerationOptions { AttributesToSkip = 0 }), f => f.Name.StartsWith('.')); // no temporary file left
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
