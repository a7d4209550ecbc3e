using Harness.HardwareRunner.Hardware;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Hardware;

/// <summary>
/// What each hardware fault action causes, shown on the simulated fabric (<see cref="SimExecutorBed"/>): the executor
/// makes its verbs calls at the right point, the simulated NIC answers as RC does, and the transports see the status the
/// mapped simulator fault stands for — flushes after modify_qp(ERR), DISCONNECTED after rdma_disconnect, REM_ACCESS_ERR
/// at the target after the host deregisters the data MR under its READ, RETRY_EXC_ERR after the host's QP goes silent.
/// Each run must still pass the workload's oracle (data verified, every command once, nothing leaked). None of this says
/// a real NIC behaves the same; docs/hardware.md keeps that list.
/// </summary>
public sealed class FaultExecutorOnSimTests
{
    [Fact]
    public void Modify_qp_to_err_on_a_live_target_qp_mid_run_flushes_its_wrs_and_the_run_recovers()
    {
        var bed = new SimExecutorBed(seed: 3, [Timed(HardwareActionKind.ForceQpError, HardwareSide.Target, qp: 1, at: 0.3)]);
        var log = bed.Run();

        var made = Assert.Single(log);
        Assert.True(made.Succeeded, made.ToString());
        Assert.Contains("ibv_modify_qp(IBV_QPS_ERR)", made.Call, StringComparison.Ordinal);
        Assert.Contains("target QP #1", made.On, StringComparison.Ordinal);
        Assert.True(bed.Completions("target", "IBV_WC_WR_FLUSH_ERR") > 0, "no flushed completion on the target");
        Assert.True(bed.Workload.Violation == null, bed.Describe());
        Assert.True(bed.Workload.Stats.FailedInFlight > 0, "no command was aborted by the qpair's death");
    }

    [Fact]
    public void Rdma_disconnect_of_a_host_qpair_is_seen_as_disconnected_on_both_sides()
    {
        var bed = new SimExecutorBed(seed: 5, [Timed(HardwareActionKind.Disconnect, HardwareSide.Host, qp: 2, at: 0.5)]);
        var log = bed.Run();

        Assert.True(Assert.Single(log).Succeeded, log[0].ToString());
        Assert.True(bed.CmEvents("target", "DISCONNECTED") > 0);
        Assert.True(bed.CmEvents("host", "DISCONNECTED") > 0);
        Assert.True(bed.Workload.Violation == null, bed.Describe());
        Assert.True(bed.Workload.Driver.Counters.Reconnects > 0, "the host did not reconnect the qpair");
    }

    [Fact]
    public void Deregistering_the_data_mr_under_the_targets_read_gives_rem_access_err_at_the_target()
    {
        var bed = new SimExecutorBed(seed: 7, [UnderRead(HardwareActionKind.DeregisterUnderRead, qpair: 0, nth: 20)]);
        var log = bed.Run();

        var made = Assert.Single(log);
        Assert.True(made.Succeeded, made.ToString());
        Assert.True(bed.HostExecutor.ReadsSubmitted(0) >= 20);
        Assert.True(bed.Completions("target", "IBV_WC_REM_ACCESS_ERR") > 0, "the target's READ did not meet the invalid rkey");
        Assert.True(bed.DataWrErrors((int)WcStatus.RemAccessErr) > 0, "no data WR of the target failed with REM_ACCESS_ERR: " + string.Join(" | ", bed.TargetLog.Take(20)));
        Assert.True(bed.Workload.Violation == null, bed.Describe());
    }

    [Fact]
    public void A_host_qp_silenced_under_the_targets_read_makes_the_read_run_out_of_retries()
    {
        var bed = new SimExecutorBed(seed: 9, [UnderRead(HardwareActionKind.SilenceUnderRead, qpair: 1, nth: 12)], retryCount: HardwareFaultMapper.SilenceRetryCount);
        var log = bed.Run();

        var made = Assert.Single(log);
        Assert.True(made.Succeeded, made.ToString());
        Assert.Contains("IBV_QPS_RESET", made.Call, StringComparison.Ordinal);
        Assert.True(bed.Completions("target", "IBV_WC_RETRY_EXC_ERR") > 0, "the silenced responder did not make the target's WR run out of retries: " + bed.Histogram() + " " + made);
        Assert.True(bed.DataWrErrors((int)WcStatus.RetryExcErr) > 0, "the WR that ran out of retries was not a data WR (READ): " + string.Join(" | ", bed.TargetLog.Take(20)));
        Assert.True(bed.Workload.Violation == null, bed.Describe());
    }

    [Fact]
    public void A_controller_reset_at_a_point_of_the_io_is_run_by_the_driver()
    {
        var bed = new SimExecutorBed(seed: 11, [Timed(HardwareActionKind.ControllerReset, HardwareSide.Host, qp: null, at: 0.4)]);
        var log = bed.Run();

        Assert.True(Assert.Single(log).Succeeded);
        Assert.Equal(1, bed.Workload.Driver.Counters.ControllerResets);
        Assert.True(bed.Workload.Violation == null, bed.Describe());
    }

    [Fact]
    public void An_action_whose_point_never_comes_is_reported_as_not_injected_with_why()
    {
        var bed = new SimExecutorBed(seed: 13, [UnderRead(HardwareActionKind.DeregisterUnderRead, qpair: 0, nth: 1_000_000)], ios: 100);
        var log = bed.Run();

        var entry = Assert.Single(log);
        Assert.False(entry.Injected);
        Assert.Contains("fewer than 1000000", entry.Call, StringComparison.Ordinal);
        Assert.StartsWith("not injected:", entry.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, bed.Completions("target", "IBV_WC_REM_ACCESS_ERR"));
    }

    [Fact]
    public void Every_target_qp_is_forced_to_err_when_the_selector_names_none()
    {
        var bed = new SimExecutorBed(seed: 15, [Timed(HardwareActionKind.ForceQpError, HardwareSide.Target, qp: null, at: 0.5)], qpairs: 3);
        var log = bed.Run();

        Assert.Equal(4, log.Count); // the admin qpair and three I/O qpairs were live at that point
        Assert.All(log, e => Assert.True(e.Succeeded, e.ToString()));
        Assert.True(bed.Workload.Violation == null, bed.Describe());
    }

    internal static HardwareAction Timed(HardwareActionKind kind, HardwareSide side, int? qp, double at) =>
        new() { Kind = kind, Side = side, Qp = qp, AtFraction = at, Source = "test" };

    internal static HardwareAction UnderRead(HardwareActionKind kind, int qpair, int nth) =>
        new() { Kind = kind, Side = HardwareSide.Host, Qpair = qpair, NthRead = nth, Source = "test" };
}
