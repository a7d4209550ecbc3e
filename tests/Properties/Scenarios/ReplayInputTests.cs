using System.Text;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// Bad scenario files given to <c>harness replay</c> (contract: exit 2, one line naming file, line and field, never a
/// stack trace): bytes that are not UTF-8, a field given twice, a directory where a file is expected.
/// </summary>
public sealed class ReplayInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replay-input-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_snapshot_scenario_replays_with_its_trace_written()
    {
        // The fabric closes the trace it is given; the snapshot runner flushed it again afterwards and crashed
        // (ObjectDisposedException, found by the hostile-input property).
        var trace = Path.Combine(_dir, "core.jsonl");
        var run = HarnessRun.Of("replay", Path.Combine(RepoPaths.Scenarios, "core-spdk-3463-before-drain.json"), "--trace", trace);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(File.ReadAllLines(trace).Length > 10, run.ToString());
    }

    [Fact]
    public void A_string_that_is_not_UTF8_exits_2_naming_the_file_the_line_and_the_field()
    {
        var file = Write("latin1.json", Bytes("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"description\": \"caf", 0xe9, "\",\n  \"expect\": \"must-pass\",\n  \"commands\": [{\"op\": \"settle\"}]\n}\n"));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{file}:4: description: not UTF-8: byte 0xe9 at line 4", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_given_twice_exits_2_naming_the_field_and_both_lines()
    {
        var file = Write("twice.json", Encoding.UTF8.GetBytes(
            "{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"topology\": {\"qpairs\": 1,\n    \"qpairs\": 2},\n  \"commands\": [{\"op\": \"settle\"}]\n}\n"));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{file}:6: topology.qpairs: duplicate field: also given on line 5", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("scenario x", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_loaded_as_a_scenario_file_is_called_a_directory()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "looks-like-a-file.json")).FullName;

        var e = Assert.Throws<InputFileException>(() => ScenarioFile.Load(folder));

        Assert.Equal($"{folder}: is a directory, not a scenario file", e.Message);
    }

    [Theory]
    [InlineData("\"seed\": 99999999999999999999999,", "seed: 99999999999999999999999: must be a whole number between 0 and 2^64-1")]
    [InlineData("\"random\": {\"ios\": 5.0},", "random.ios: 5.0: must be a whole number between -2^31 and 2^31-1, written without a fraction or exponent")]
    [InlineData("\"topology\": {\"qpairs\": \"one\"},", "topology.qpairs: \"one\": must be a whole number")]
    [InlineData("\"swarm\": {\"packetLossRate\": \"high\"},", "swarm.packetLossRate: \"high\": must be a number")]
    [InlineData("\"faults\": [{\"kind\": \"wc-error\", \"qp\": \"target/1\", \"wr\": \"any\", \"nth\": 99999999999, \"status\": \"IBV_WC_REM_ACCESS_ERR\"}],", "faults[0].nth: 99999999999: must be a whole number between -2^31 and 2^31-1")]
    [InlineData("\"topology\": {\"target\": {\"numSharedBuffers\": 2}},", "topology.target.numSharedBuffers: 2 cannot hold one I/O")]
    [InlineData("\"initialState\": {\"format\": \"spdk-nvmf-rdma-snapshot\", \"poll_groups\": 5},", "initialState.poll_groups: 5: must be a list ([…])")]
    [InlineData("\"seed\": 1e300,", "seed: 1e300: out of range for every field of a scenario")]
    [InlineData("\"topology\": {\"qpairs\": -1e300},", "topology.qpairs: -1e300: out of range for every field of a scenario")]
    public void A_value_of_the_wrong_kind_is_named_in_JSON_words_without_NET_type_names(string field, string message)
    {
        var workload = field.Contains("random", StringComparison.Ordinal) ? string.Empty : "\"commands\": [],\n  ";
        var file = Write("typed.json", Encoding.UTF8.GetBytes($"{{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  {workload}{field}\n  \"description\": \"-\"\n}}\n"));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{file}:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be converted", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_random_workload_the_run_refuses_is_named_by_scenario_fields_not_by_run_options()
    {
        var file = Write("big-reads.json", Encoding.UTF8.GetBytes(
            "{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"topology\": {\"queueDepth\": 1},\n  \"random\": {\"ios\": 10, \"ioSize\": 131072}\n}\n"));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{file}:6: random.ioSize: random.ioSize 131072 with topology.queueDepth 1: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--qd", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fault_on_a_QP_the_run_never_creates_exits_2_naming_the_field()
    {
        var file = Write("qp9.json", Encoding.UTF8.GetBytes("""
            {
              "format": 1,
              "name": "x",
              "expect": "must-pass",
              "topology": {"qpairs": 1},
              "commands": [{"op": "write", "qpair": 1, "lba": 0, "blocks": 1}],
              "faults": [
                {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 2, "status": "IBV_WC_RETRY_EXC_ERR"},
                {"kind": "wc-error", "qp": "target/9", "wr": "rdma-read", "nth": 2, "status": "IBV_WC_RETRY_EXC_ERR"}
              ]
            }
            """));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{file}:9: faults[1].qp: target/9 is never created, so this fault can never fire: the run creates target/0 to target/1", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("scenario x", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fault_that_never_fires_is_a_warning_on_stderr_and_in_the_summary()
    {
        var file = Write("nth.json", Encoding.UTF8.GetBytes("""
            {
              "format": 1,
              "name": "nth-never",
              "expect": "must-pass",
              "commands": [
                {"op": "write", "qpair": 1, "lba": 0, "blocks": 1},
                {"op": "read", "qpair": 1, "lba": 0, "blocks": 1},
                {"op": "write", "qpair": 1, "lba": 1, "blocks": 1}
              ],
              "faults": [
                {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 1000000, "status": "IBV_WC_RETRY_EXC_ERR"}
              ]
            }
            """));

        var run = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == 0, run.ToString());
        const string warning = "warning: faults[0] (RDMA READ #1000000 of target/1 completes IBV_WC_RETRY_EXC_ERR) never fired";
        Assert.Contains(warning, run.Lines);
        Assert.Contains($"{file}:11: {warning}", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The UTF-8 of <paramref name="parts"/>, where an int is one raw byte.</summary>
    private static byte[] Bytes(params object[] parts) =>
        parts.SelectMany(p => p is int b ? new[] { (byte)b } : Encoding.UTF8.GetBytes((string)p)).ToArray();

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
