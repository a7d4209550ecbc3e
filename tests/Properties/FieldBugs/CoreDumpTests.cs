using System.Globalization;
using Harness.HardwareRunner.FieldBugs;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Target.Snapshot;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// The core-dump path end to end without SPDK: a C program with SPDK's structures (gcc), dumped with gcore, read by
/// tools/gdb/rdma_snapshot.py; the harness starts its target from the snapshot and reports the double-queued request
/// at once. The consistent core of the moment before drains cleanly, except with the pre-fix defect.
/// </summary>
public sealed class CoreDumpTests
{
    /// <summary>Index of the request the fixture double-inserts (FIXTURE_CULPRIT in spdk_rdma_fixture.c).</summary>
    private const int Culprit = 11;

    [Fact]
    public void The_gdb_script_walks_spdk_structures_by_name_into_the_snapshot()
    {
        var snapshot = TargetSnapshotReader.ReadFile(CoreDump.Corrupted.Snapshot);

        Assert.Empty(snapshot.Errors);
        Assert.Equal(16, snapshot.RequestStates.Count); // the binary's own enum, RDMA_REQUEST_NUM_STATES dropped
        Assert.Equal("RDMA", snapshot.Transport.Name);
        var qpairs = snapshot.PollGroups.Single().Pollers.Single().Qpairs;
        Assert.Equal(new[] { 0, 1 }, qpairs.Select(q => q.Qid));
        var io = qpairs[1];
        Assert.Equal("IBV_QPS_ERR", io.IbvState);
        Assert.Equal("SPDK_NVMF_QPAIR_DEACTIVATING", io.State);
        var culprit = io.Resources!.Requests[Culprit];
        Assert.Equal("FREE", culprit.State);
        Assert.Equal(culprit.Address, io.PendingRdmaReadQueue.Elements[0]);
        Assert.Equal(culprit.Address, io.Resources.FreeQueue.Elements[0]);
        Assert.Equal("TRANSFERRING_CONTROLLER_TO_HOST", io.Resources.Requests[4].State);
        Assert.Equal(128, io.Resources.Requests[4].Command!.Length);
        Assert.EndsWith(Path.GetFileName(CoreDump.Corrupted.Core), snapshot.Source!.Core!, StringComparison.Ordinal);
    }

    [Fact]
    public void The_audit_names_the_double_queued_request_first()
    {
        var snapshot = TargetSnapshotReader.ReadFile(CoreDump.Corrupted.Snapshot);
        var io = snapshot.PollGroups[0].Pollers[0].Qpairs[1];

        var findings = TargetSnapshotAudit.Run(snapshot);

        Assert.NotEmpty(findings);
        var first = findings[0];
        Assert.Equal(InvariantNames.RequestInOneQueue, first.Invariant);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"request #{Culprit} ({io.Resources!.Requests[Culprit].Address}, state FREE"), first.Detail, StringComparison.Ordinal);
        Assert.Contains($"pending_rdma_read_queue of qpair {io.Address} (qid 1)", first.Detail, StringComparison.Ordinal);
        Assert.Contains("free_queue of resources", first.Detail, StringComparison.Ordinal);
        Assert.Single(findings, f => f.Invariant == InvariantNames.RequestInOneQueue);
    }

    [Fact]
    public void The_target_started_from_the_corrupted_core_reports_the_double_queued_request_at_once()
    {
        var snapshot = TargetSnapshotReader.ReadFile(CoreDump.Corrupted.Snapshot);
        var io = snapshot.PollGroups[0].Pollers[0].Qpairs[1];
        var output = new StringWriter(CultureInfo.InvariantCulture);

        var violation = new SnapshotRun(snapshot, EnvironmentDefects.Flags).Execute(null, output, out _);

        Assert.NotNull(violation);
        Assert.Equal(InvariantNames.RequestInOneQueue, violation.Invariant);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"request #{Culprit} of resources"), violation.Detail, StringComparison.Ordinal);
        Assert.Contains($"[core {io.Address}]", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("pending_rdma_read_queue", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("virtual time: 0.000 ms", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_consistent_core_of_the_moment_before_drains_cleanly_when_fixed_and_double_inserts_with_the_defect()
    {
        var snapshot = TargetSnapshotReader.ReadFile(CoreDump.BeforeDrain.Snapshot);
        Assert.Empty(TargetSnapshotAudit.Run(snapshot));

        var fixedRun = new SnapshotRun(snapshot, EnvironmentDefects.Flags).Execute(null, TextWriter.Null, out var fixedHash);
        var defective = new SnapshotRun(snapshot, KnownDefects.PendingReadQueueDoubleInsert).Execute(null, TextWriter.Null, out _);
        var again = new SnapshotRun(snapshot, EnvironmentDefects.Flags).Execute(null, TextWriter.Null, out var againHash);

        Assert.Null(fixedRun);
        Assert.Null(again);
        Assert.Equal(fixedHash, againHash);
        Assert.NotNull(defective);
        Assert.Equal(InvariantNames.RequestInOneQueue, defective.Invariant);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"request #{Culprit} of resources"), defective.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_core_writes_a_scenario_whose_replay_reports_the_double_queued_request()
    {
        var dir = CoreDump.Corrupted.Directory;
        var scenario = Path.Combine(dir, "core.json");
        var io = TargetSnapshotReader.ReadFile(CoreDump.Corrupted.Snapshot).PollGroups[0].Pollers[0].Qpairs[1];

        var import = HarnessRun.Of("import-core", CoreDump.Corrupted.Snapshot, "-o", scenario);
        var replay = HarnessRun.Of(EnvironmentDefects.Args("replay", scenario));

        Assert.True(import.Exit == 0, import.ToString());
        Assert.Contains("audit: 2 inconsistencies", import.Stdout, StringComparison.Ordinal);
        Assert.Equal("must-detect: request-in-one-queue", ScenarioFile.Load(scenario).Scenario.Expect);
        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Contains("result: as expected (must-detect: request-in-one-queue): detected", replay.Stdout, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"broken: request-in-one-queue: request #{Culprit} of resources"), replay.Stdout, StringComparison.Ordinal);
        Assert.Contains($"[core {io.Address}]", replay.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_core_of_the_consistent_core_is_must_pass_and_its_replay_fails_with_the_defect()
    {
        var scenario = Path.Combine(CoreDump.BeforeDrain.Directory, "core.json");

        var import = HarnessRun.Of("import-core", CoreDump.BeforeDrain.Snapshot, "-o", scenario);
        var fixedRun = HarnessRun.Of(EnvironmentDefects.Args("replay", scenario));
        var defective = HarnessRun.Of("replay", scenario, "--defect", KnownDefectNames.PendingReadQueueDoubleInsert);

        Assert.True(import.Exit == 0, import.ToString());
        Assert.Contains("audit: 0 inconsistencies", import.Stdout, StringComparison.Ordinal);
        Assert.True(fixedRun.Exit == 0, fixedRun.ToString());
        Assert.True(defective.Exit == 1, defective.ToString());
        Assert.Contains("but request-in-one-queue broke", defective.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"state\": \"FREE\"", "\"state\": \"LIMBO\"", "state: 'LIMBO' is not a request state")]
    [InlineData("\"format\": \"spdk-nvmf-rdma-snapshot\"", "\"format\": \"other\"", "field $.format")]
    [InlineData("\"qid\": 1,", "\"qid\": \"one\",", "$.poll_groups[0].pollers[0].qpairs[1].qid: \"one\": must be a whole number between -2^31 and 2^31-1")]
    [InlineData("\"max_read_depth\"", "\"max_read_deepth\"", "max_read_deepth")]
    public void A_bad_snapshot_is_named_by_file_line_and_field_and_exits_2(string from, string to, string named)
    {
        var text = File.ReadAllText(CoreDump.Corrupted.Snapshot);
        var at = text.LastIndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, from);
        var bad = Path.Combine(CoreDump.Corrupted.Directory, $"bad-{Math.Abs(from.GetHashCode(StringComparison.Ordinal))}.json");
        File.WriteAllText(bad, text[..at] + to + text[(at + from.Length)..]);
        var line = text[..at].Count(c => c == '\n') + 1;

        var import = HarnessRun.Of("import-core", bad, "-o", bad + ".scenario.json");

        Assert.True(import.Exit == 2, import.ToString());
        Assert.Contains(named, import.Stderr, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{bad}:{line}:"), import.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(bad + ".scenario.json"));
    }
}
