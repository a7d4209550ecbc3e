using Harness.HardwareRunner.FieldBugs;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness import-log</c> of an SPDK host log of a controller-delete hang (SPDK #3347, <c>lingering-without-ctrlr-lock</c>):
/// the host's lines are the host's, the numeric CM event <c>[10, 0]</c> is DISCONNECTED, the out-of-order lines are
/// taken in time order, and the scenario deletes the controller while a qpair lingers: it passes on the fixed host and
/// hangs with the defect.
/// </summary>
public sealed class ImportLogDeleteHangTests : IDisposable
{
    /// <summary>The field log: the delete's symptom first, the late event (logged earlier) after it.</summary>
    private const string HostLog =
        "[2024-03-11 09:12:44.100231] bdev_nvme.c:6229:bdev_nvme_delete_complete_poll: *ERROR*: NVMe path 'nvm-16udxfq48htf1-disk0' still exists after delete\n" +
        "[2024-03-11 09:12:43.998012] nvme_rdma.c:1287:nvme_rdma_process_event_poll: *ERROR*: Unexpected Acceptor Event [10, 0]\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-import-log-hang-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void The_host_log_of_a_delete_hang_imports_and_replays_passing_when_fixed_and_hanging_with_the_defect()
    {
        var (run, scenario) = Import(HostLog);

        Assert.True(run.Exit == 0, run.ToString());
        var fixedRun = HarnessRun.Of(EnvironmentDefects.Args("replay", scenario));
        var defective = HarnessRun.Of("replay", scenario, "--defect", KnownDefectNames.LingeringWithoutCtrlrLock);

        Assert.True(fixedRun.Exit == 0, fixedRun.ToString());
        Assert.Contains("result: as expected (must-pass)", fixedRun.Stdout, StringComparison.Ordinal);
        Assert.True(defective.Exit == 1, defective.ToString());
        Assert.Contains("but hang broke", defective.Stdout, StringComparison.Ordinal);
        Assert.Contains("rdma_destroy_id", defective.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lines_are_the_hosts_the_event_is_disconnected_and_the_scenario_deletes_the_controller_while_a_write_lingers()
    {
        var (run, path) = Import(HostLog);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("1 CM event(s), 0 async event(s), 1 delete hang(s)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 2: host RDMA_CM_EVENT_DISCONNECTED", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 1: host controller delete did not finish", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("not in time order", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"--defect {KnownDefectNames.LingeringWithoutCtrlrLock}", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(KnownDefectNames.PendingReadQueueDoubleInsert, run.Stdout, StringComparison.Ordinal);
        var s = ScenarioFile.Load(path).Scenario;
        Assert.Collection(s.Commands!,
            c => Assert.IsType<WriteCommand>(c),
            c => Assert.IsType<DeleteControllerCommand>(c),
            c => Assert.IsType<SettleCommand>(c));
        var late = Assert.IsType<DelayCqSpec>(Assert.Single(s.Faults!));
        Assert.Equal(("host", 1, FieldScenarioBuilder.LingerCqDelayNs), (late.Host, late.Cq, late.DelayNs));
        Assert.Equal(ScenarioExpectation.MustPassText, s.Expect);
    }

    [Fact]
    public void The_event_spelled_out_imports_to_the_same_scenario_as_its_number()
    {
        var (numbered, a) = Import(HostLog, "numbered.log");
        var (named, b) = Import(HostLog.Replace("Event [10, 0]", "Event: RDMA_CM_EVENT_DISCONNECTED", StringComparison.Ordinal), "named.log");

        Assert.True(numbered.Exit == 0 && named.Exit == 0, numbered + "\n" + named);
        Assert.Equal(ScenarioFile.Load(a).Scenario.Commands, ScenarioFile.Load(b).Scenario.Commands);
        Assert.Equal(ScenarioFile.Load(a).Scenario.Faults, ScenarioFile.Load(b).Scenario.Faults);
    }

    private (HarnessRun Run, string Scenario) Import(string log, string name = "host.log")
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, log);
        var scenario = Path.ChangeExtension(path, ".json");
        return (HarnessRun.Of("import-log", path, "-o", scenario), scenario);
    }
}
