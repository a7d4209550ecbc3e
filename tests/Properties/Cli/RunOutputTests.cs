using System.Globalization;
using System.IO.Pipes;
using Harness.HardwareRunner;
using Harness.HardwareRunner.Reports;
using Harness.Tests.Properties.FieldBugs.Support;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The files <c>harness run</c> writes (<c>--junit</c>, <c>--trace</c>) on both simulated workloads: a path that cannot
/// be written is a usage error before the run (exit 2, nothing printed on stdout, nothing written); a write that fails
/// after the check is an error naming the option and the path (exit 2) with the summary already printed.
/// </summary>
public sealed class RunOutputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-run-out-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("nvmf", "--junit", "/proc/x.xml", "its directory does not take new files")]
    [InlineData("rdma", "--junit", "/proc/x.xml", "its directory does not take new files")]
    [InlineData("nvmf", "--trace", "/proc/x.jsonl", "its directory does not take new files")]
    [InlineData("rdma", "--trace", "/proc/x.jsonl", "its directory does not take new files")]
    [InlineData("nvmf", "--trace", "/nonexistent-dir/t.jsonl", "its directory /nonexistent-dir does not exist")]
    [InlineData("rdma", "--junit", "/nonexistent-dir/j.xml", "its directory /nonexistent-dir does not exist")]
    public void An_output_that_cannot_be_written_is_refused_before_the_run(string workload, string option, string path, string why)
    {
        var run = HarnessRun.Of("run", "--workload", workload, "--faults", "swarm", option, path);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout); // not even the fault line: nothing ran
        Assert.Equal($"harness run: {option} {path}: cannot write {(option == "--junit" ? "the report" : "the trace")} there: {why}", run.Stderr.Split('\n')[0]);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("--junit")]
    [InlineData("--trace")]
    public void An_output_that_names_a_folder_is_refused_and_the_folder_left_as_it_was(string option)
    {
        var run = HarnessRun.Of("run", "--ios", "50", option, _dir.FullName);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Contains($"{option} {_dir.FullName}: cannot write ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("it is a directory", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(_dir.GetFileSystemInfos());
    }

    [Fact]
    public async Task A_trace_can_stream_into_a_pipe_as_a_shell_hands_one_over()
    {
        var file = Path.Combine(_dir.FullName, "t.jsonl");
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var received = new MemoryStream();
        var reader = Task.Run(() => pipe.CopyTo(received));
        var fd = pipe.ClientSafePipeHandle.DangerousGetHandle().ToInt32();

        var piped = HarnessRun.Of("run", "--ios", "100", "--trace", $"/proc/self/fd/{fd}"); // what `--trace >(gzip > t.gz)` names
        pipe.DisposeLocalCopyOfClientHandle();
        await reader.WaitAsync(TimeSpan.FromSeconds(60)); // the pipe's last writer is gone: the reader sees its end
        var plain = HarnessRun.Of("run", "--ios", "100", "--trace", file);

        Assert.True(piped.Exit == 0, piped.ToString());
        Assert.Equal(plain.TraceHash, piped.TraceHash);
        Assert.True(received.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(file)), "the trace read from the pipe differs from the file");
    }

    [Theory]
    [InlineData("nvmf")]
    [InlineData("rdma")]
    public void A_junit_report_that_cannot_be_written_after_the_run_is_an_error_with_the_summary_already_printed(string workload)
    {
        var folder = Path.Combine(_dir.FullName, "reports");
        Directory.CreateDirectory(folder);
        var junit = Path.Combine(folder, "run.xml");
        var stdout = new HookedWriter("trace-hash: ", () => Directory.Delete(folder, recursive: true));
        var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = HarnessProgram.Run(new[] { "run", "--workload", workload, "--ios", "100", "--junit", junit }, stdout, stderr);

        var plain = HarnessRun.Of("run", "--workload", workload, "--ios", "100");
        Assert.True(exit == 2, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal(plain.TraceHash, new HarnessRun(exit, stdout.ToString(), stderr.ToString()).TraceHash);
        Assert.Equal($"harness run: --junit {junit}: cannot write the report: its directory no longer exists", stderr.ToString().TrimEnd());
        Assert.False(Directory.Exists(folder), "something was written after the folder was removed");
    }

    [Fact]
    public void A_trace_that_fills_the_disk_is_an_error_after_the_summary_and_does_not_change_the_run()
    {
        const string full = "/dev/full"; // every write: ENOSPC, as on a full disk
        var plain = HarnessRun.Of("run", "--ios", "3000", "--faults", "swarm");

        var run = HarnessRun.Of("run", "--ios", "3000", "--faults", "swarm", "--trace", full);

        Assert.True(run.Exit == 2, run.ToString());
        if (OutputPath.Why(full) is { } why)
        {
            Assert.Equal(string.Empty, run.Stdout); // not allowed to create the probe file in /dev: refused before the run
            Assert.Contains(why, run.Stderr, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(plain.TraceHash, run.TraceHash); // the run went on unchanged and printed its summary
        Assert.StartsWith($"harness run: --trace {full}: cannot write the trace: No space left on device", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("invariant broken", run.Stderr, StringComparison.Ordinal);
    }
}
