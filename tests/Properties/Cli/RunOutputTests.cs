using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;
using Harness.HardwareRunner;
using Harness.HardwareRunner.Reports;
using Harness.Tests.Properties.FieldBugs.Support;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The files <c>harness run</c> writes (<c>--junit</c>, <c>--trace</c>) on both simulated workloads: a path that cannot
/// be written is a usage error before the run (exit 2, nothing printed on stdout, nothing written); a write that fails
/// after the check is an error naming the option and the path (exit 2) with the summary already printed. What is there
/// is never damaged: <c>/dev/null</c> and a pipe are written in place, a socket is refused, a link is written through,
/// a replaced file keeps its permissions.
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

    [Theory]
    [InlineData("run", "--ios", "50")]
    [InlineData("sweep", "--seeds", "1..1", "--minimise", "0")]
    public void A_junit_report_to_dev_null_is_discarded_and_dev_null_stays_a_character_device(params string[] command)
    {
        var run = HarnessRun.Of([.. command, "--junit", "/dev/null"]);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("character special file", KindOf("/dev/null"));
        Assert.Equal(0, new FileInfo("/dev/null").Length);
    }

    [Fact]
    public async Task A_junit_report_into_a_named_pipe_goes_to_its_reader_and_the_pipe_stays_a_pipe()
    {
        var fifo = Path.Combine(_dir.FullName, "report.fifo");
        Tool("mkfifo", fifo);
        var reader = Task.Run(() => File.ReadAllBytes(fifo)); // blocks until the report is opened for writing

        var run = HarnessRun.Of("run", "--ios", "50", "--junit", fifo);
        var received = await reader.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("fifo", KindOf(fifo));
        Assert.StartsWith("<?xml", System.Text.Encoding.UTF8.GetString(received), StringComparison.Ordinal);
        Assert.EndsWith("</testsuites>", System.Text.Encoding.UTF8.GetString(received).TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_junit_report_onto_a_socket_is_refused_before_the_run_and_the_socket_stays()
    {
        var path = Path.Combine(_dir.FullName, "report.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var run = HarnessRun.Of("run", "--ios", "50", "--junit", path);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Equal($"harness run: --junit {path}: cannot write the report there: it is a socket: only a regular file (or a new one), a character device such as /dev/null or a pipe is written",
            run.Stderr.Split('\n')[0]);
        Assert.Equal("socket", KindOf(path));
    }

    [Fact]
    public void A_junit_report_through_a_symbolic_link_replaces_the_links_target_and_keeps_the_link()
    {
        var reports = Directory.CreateDirectory(Path.Combine(_dir.FullName, "reports")).FullName;
        var target = Path.Combine(reports, "run.xml");
        File.WriteAllText(target, "old report");
        var link = Path.Combine(_dir.FullName, "latest.xml");
        File.CreateSymbolicLink(link, target);

        var run = HarnessRun.Of("run", "--ios", "50", "--junit", link);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal("symbolic link", KindOf(link));
        Assert.StartsWith("<?xml", File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Equal(["run.xml"], Directory.GetFileSystemEntries(reports).Select(Path.GetFileName)); // no temporary file left
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix permissions
    public void A_replaced_report_keeps_the_permissions_of_the_file_it_replaces()
    {
        var junit = Path.Combine(_dir.FullName, "private.xml");
        File.WriteAllText(junit, "old report");
        File.SetUnixFileMode(junit, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var run = HarnessRun.Of("run", "--ios", "50", "--junit", junit);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.StartsWith("<?xml", File.ReadAllText(junit), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(junit));
    }

    /// <summary>The file type as <c>stat -c %F</c> says it, without following a link: an oracle outside the code under test.</summary>
    private static string KindOf(string path) => Tool("stat", "-c", "%F", path).Trim();

    private static string Tool(string name, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(name, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
        return output;
    }
}
