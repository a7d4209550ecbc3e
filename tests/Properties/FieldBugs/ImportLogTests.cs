using FsCheck;
using FsCheck.Xunit;
using Harness.HardwareRunner.FieldBugs;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness import-log</c>: the seed report's target log (the retry-exceeded DATA error and its flushes) and NIC
/// counters give the checked-in scenario, which passes on the fixed transport and fails with the pre-fix defect;
/// SPDK's log formats (2024 and current, target and host) parse; unknown lines are counted, never fatal.
/// </summary>
public sealed class ImportLogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-import-log-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string Log => Path.Combine(RepoPaths.Root, "tests", "Properties", "FieldBugs", "Data", "spdk-3463-target.log");

    private static string Counters => Path.Combine(RepoPaths.Root, "tests", "Properties", "FieldBugs", "Data", "spdk-3463-mlx5_0.counters");

    private static string CheckedIn => Path.Combine(RepoPaths.Scenarios, "field-spdk-3463.json");

    [Fact]
    public void The_seed_reports_log_and_counters_import_to_the_checked_in_scenario()
    {
        var output = Path.Combine(_dir.FullName, "field.json");

        var run = HarnessRun.Of("import-log", Log, "--counters", Counters, "--name", "field-spdk-3463", "-o", output);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(File.ReadAllText(CheckedIn), File.ReadAllText(output));
        var s = ScenarioFile.Load(output).Scenario;
        var fault = Assert.IsType<WcErrorSpec>(Assert.Single(s.Faults!));
        Assert.Equal(("target/1", "rdma-read", "IBV_WC_RETRY_EXC_ERR"), (fault.Qp, fault.Wr, fault.Status));
        Assert.Equal(2, s.Topology!.ReadDepth); // the write is split: 8 READs, 2 at a time
        Assert.Contains("2 unknown line(s)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("unknown line 32: Segmentation fault (core dumped)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("req_cqe_error 5951", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_imported_scenario_replays_with_exit_0_when_fixed_and_exit_1_with_the_pre_fix_defect()
    {
        var output = Path.Combine(_dir.FullName, "field.json");
        Assert.Equal(0, HarnessRun.Of("import-log", Log, "--counters", Counters, "-o", output).Exit);

        var fixedRun = HarnessRun.Of(EnvironmentDefects.Args("replay", output));
        var defective = HarnessRun.Of("replay", output, "--defect", KnownDefectNames.PendingReadQueueDoubleInsert);

        Assert.True(fixedRun.Exit == 0, fixedRun.ToString());
        Assert.Contains("IBV_WC_RETRY_EXC_ERR while 6 of its 8 READs were not yet posted", fixedRun.Stdout, StringComparison.Ordinal);
        Assert.True(defective.Exit == 1, defective.ToString());
        Assert.Contains("but request-in-one-queue broke", defective.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_and_2024_target_lines_host_lines_cm_and_async_events_and_delete_hangs_parse_in_order()
    {
        var report = new FieldReport();
        SpdkLogParser.Read(new StringReader(string.Join('\n',
            "[2026-01-02 03:04:05.000001] rdma.c:4575:nvmf_rdma_log_wc_status: *ERROR*: Error on CQ 0x55d0c8a0, (qp state 3, in_error 0) request 0x7f00aa10, type SEND, status: (13): RNR retry counter exceeded",
            "rdma.c:4570:nvmf_rdma_log_wc_status: *DEBUG*: Error on CQ 0x55d0c8a0, (qp state 4, in_error 1) request 0x7f00ab20, type RECV, status: (5): Work Request Flushed Error",
            "nvmf_tgt[811]: rdma.c:3659:nvmf_process_ib_event: *NOTICE*: Async QP event: local work queue catastrophic error",
            "nvme_rdma.c:3135:nvme_rdma_log_wc_status: *ERROR*: [qpair 0x1] WC error, qp state 3, request 0x7f1 type 1, status: (10): remote access error",
            "nvme_rdma.c: 618:nvme_rdma_validate_cm_event: *ERROR*: Expected RDMA_CM_EVENT_DISCONNECTED but received RDMA_CM_EVENT_TIMEWAIT_EXIT (15) from CM event channel (status = 0)",
            "bdev_nvme.c:7344:bdev_nvme_delete_complete_poll: *ERROR*: NVMe path 'Nvme0' still exists after delete",
            "kernel: mlx5_core 0000:3b:00.0: something unrelated",
            "app.c: 906:spdk_app_start: *NOTICE*: Total cores available: 2")), report);

        Assert.Equal(8, report.Lines);
        Assert.Equal(1, report.Unknown);
        Assert.Equal(1, report.Benign);
        Assert.Collection(report.Events,
            e => Assert.Equal((FieldEventKind.WcError, FieldSide.Target, "SEND", WcStatus.RnrRetryExcErr, 1), (e.Kind, e.Side, e.WrType, e.Status, e.FlushedRecvs)),
            e => Assert.Equal((FieldEventKind.AsyncEvent, "IBV_EVENT_QP_FATAL"), (e.Kind, e.Event)),
            e => Assert.Equal((FieldEventKind.WcError, FieldSide.Host, "SEND", WcStatus.RemAccessErr), (e.Kind, e.Side, e.WrType, e.Status)),
            e => Assert.Equal((FieldEventKind.CmEvent, "RDMA_CM_EVENT_TIMEWAIT_EXIT"), (e.Kind, e.Event)),
            e => Assert.Equal(FieldEventKind.DeleteHang, e.Kind));
    }

    [Fact]
    public void Error_kinds_only_the_counters_show_become_incidents_in_proportion_after_the_logged_ones()
    {
        var log = Path.Combine(_dir.FullName, "one.log");
        var counters = Path.Combine(_dir.FullName, "nic.txt");
        File.WriteAllText(log, "rdma.c:4394:nvmf_rdma_log_wc_status: *ERROR*: Error on CQ 0x1, (qp state 3 ibv_state 6) request 0x2, type DATA, status: (12): transport retry counter exceeded\n");
        File.WriteAllText(counters, "NIC statistics:\n     rnr_nak_retry_err: 200\n     req_remote_access_errors: 100\n     rx_packets: 99\n");
        var output = Path.Combine(_dir.FullName, "s.json");

        var run = HarnessRun.Of("import-log", log, "--counters", counters, "-o", output);

        Assert.True(run.Exit == 0, run.ToString());
        var faults = ScenarioFile.Load(output).Scenario.Faults!.Cast<WcErrorSpec>().Select(f => (f.Qp, f.Status)).ToArray();
        Assert.Equal(new[]
        {
            ("target/1", "IBV_WC_RETRY_EXC_ERR"), ("target/2", "IBV_WC_RNR_RETRY_EXC_ERR"), ("target/3", "IBV_WC_RNR_RETRY_EXC_ERR"), ("target/4", "IBV_WC_REM_ACCESS_ERR"),
        }, faults);
        Assert.Contains("1 line(s) not understood", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_without_any_failure_writes_nothing_and_exits_2()
    {
        var log = Path.Combine(_dir.FullName, "quiet.log");
        File.WriteAllText(log, "app.c: 906:spdk_app_start: *NOTICE*: Total cores available: 2\nhello\n");
        var output = Path.Combine(_dir.FullName, "s.json");

        var run = HarnessRun.Of("import-log", log, "-o", output);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("no failure recognised", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Equal(2, HarnessRun.Of("import-log", Path.Combine(_dir.FullName, "missing.log"), "-o", output).Exit);
    }

    [HarnessProperty(MaxTest = 200)]
    public bool Apportioning_gives_every_seat_and_each_kind_its_quota_rounded(PositiveInt[] weights, byte seats)
    {
        var w = weights.Take(6).Select(x => (long)x.Get).ToList();
        var n = seats % 8;
        var shares = FieldScenarioBuilder.Apportion(w, n);
        if (w.Count == 0)
        {
            return shares.Length == 0;
        }

        var total = w.Sum();
        return shares.Sum() == n && shares.Select((s, i) => Math.Abs(s - ((double)w[i] * n / total)) < 1).All(ok => ok);
    }
}
