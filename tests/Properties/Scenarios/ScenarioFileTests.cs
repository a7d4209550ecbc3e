using Harness.Sim.Scenarios;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// The scenario format: the published schema is the one the loader checks, files round-trip byte for byte through the
/// canonical writer, and every kind of bad file is reported with the file, the line and the field.
/// </summary>
public sealed class ScenarioFileTests
{
    private const string Good = """
        {
          "format": 1,
          "name": "good",
          "expect": "must-pass",
          "topology": {"qpairs": 2, "readDepth": 2},
          "commands": [
            {"op": "write", "qpair": 1, "lba": 0, "blocks": 3},
            {"op": "wait", "ns": 4000},
            {"op": "force-qp-error", "qp": "target/1"}
          ],
          "faults": [
            {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 2, "status": "IBV_WC_RETRY_EXC_ERR"}
          ]
        }
        """;

    [Fact]
    public void The_embedded_schema_is_the_published_file()
    {
        Assert.Equal(File.ReadAllText(RepoPaths.Schema), ScenarioSchema.Text);
    }

    [Fact]
    public void A_good_file_loads_into_the_records_it_states()
    {
        var s = ScenarioFile.Parse(Good, "good.json").Scenario;
        Assert.Equal("good", s.Name);
        Assert.Equal(2, s.EffectiveTopology.QpairCount);
        Assert.Equal(new WriteCommand(1, 0, 3), s.Commands![0]);
        Assert.Equal(new WaitCommand(4000), s.Commands[1]);
        Assert.Equal(new ForceQpErrorCommand("target/1"), s.Commands[2]);
        var fault = Assert.IsType<Harness.Sim.Faults.WcErrorFault>(s.Faults![0].ToFault());
        Assert.Equal(new Harness.Sim.Faults.QpSelector("target", 1), fault.Target);
        Assert.Equal(Harness.Transport.Verbs.WcStatus.RetryExcErr, fault.Status);
        Assert.Equal(2, fault.Nth);
    }

    [Fact]
    public void Every_checked_in_scenario_round_trips_through_the_canonical_writer()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Scenarios, "*.json"))
        {
            var first = ScenarioFile.ToJson(ScenarioFile.Load(file).Scenario);
            var again = ScenarioFile.ToJson(ScenarioFile.Parse(first, file).Scenario);
            Assert.Equal(first, again);
        }
    }

    [Fact]
    public void Every_fault_of_the_simulator_has_a_scenario_form_that_comes_back_unchanged()
    {
        var faults = new Harness.Sim.Faults.ScriptedFault[]
        {
            new Harness.Sim.Faults.WcErrorFault(new("target", 1), Harness.Sim.Faults.WrKind.RdmaRead, 3, Harness.Transport.Verbs.WcStatus.RemAccessErr),
            new Harness.Sim.Faults.PacketDropFault(new("host", null), Harness.Sim.Faults.WrKind.Send, 2, 9),
            new Harness.Sim.Faults.DisconnectFault(new(null, 0), 5000),
            new Harness.Sim.Faults.ForceQpErrorFault(new("target", null), 7000),
            new Harness.Sim.Faults.AsyncEventFault(new("target", 2), Harness.Transport.Verbs.AsyncEventType.QpLastWqeReached, 1),
            new Harness.Sim.Faults.DropCmEventFault("host", Harness.Transport.RdmaCm.CmEventType.TimewaitExit, 1),
            new Harness.Sim.Faults.DelayCmEventFault(null, Harness.Transport.RdmaCm.CmEventType.Disconnected, 2, 40_000),
            new Harness.Sim.Faults.DelayCqFault("target", 1, 100, 0, 9000),
            new Harness.Sim.Faults.DeviceRemovalFault("target", 3),
            new Harness.Sim.Faults.AddrChangeFault("host", 4),
            new Harness.Sim.Faults.PortFlapFault("host", 5, 6),
            new Harness.Sim.Faults.PostErrorFault(new("target", 1), Harness.Sim.Faults.PostQueue.Send, 3, 2, Harness.Transport.Verbs.Errno.ENOMEM),
            new Harness.Sim.Faults.PostErrorFault(new("target", 0), Harness.Sim.Faults.PostQueue.Srq, 1, 0, Harness.Transport.Verbs.Errno.EINVAL),
        };
        var scenario = new Scenario { Name = "all-faults", Topology = new ScenarioTopology { Qpairs = 2 }, Commands = new ScenarioCommand[] { new SettleCommand() }, Faults = faults.Select(ScenarioNames.ToSpec).ToArray() };
        var loaded = ScenarioFile.Parse(ScenarioFile.ToJson(scenario), "all-faults.json").Scenario;
        Assert.Equal(faults, loaded.Faults!.Select(f => f.ToFault()));
    }

    [Theory]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\"\n  \"commands\": []\n}", 5, "(document)", "not valid JSON")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"sede\": 3\n}", 6, "sede", "")]
    [InlineData("{\n  \"format\": 2,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": []\n}", 2, "format", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [\n    {\"op\": \"write\", \"qpair\": 1, \"lba\": 0, \"blocks\": 99}\n  ]\n}", 6, "commands[0].blocks", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [\n    {\"op\": \"write\", \"qpair\": 1, \"blocks\": 2}\n  ]\n}", 6, "commands[0]", "lba")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [\n    {\"op\": \"write\", \"qpair\": 2, \"lba\": 0, \"blocks\": 2}\n  ]\n}", 6, "commands[0].qpair", "does not exist")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-detect: request-in-two-queues\",\n  \"commands\": []\n}", 4, "expect", "unknown invariant")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"faults\": [\n    {\"kind\": \"wc-error\", \"qp\": \"target/1\", \"wr\": \"rdma-read\", \"nth\": 1, \"status\": \"IBV_WC_RETRY_EXCEEDED\"}\n  ]\n}", 7, "faults[0].status", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"faults\": [\n    {\"kind\": \"post-error\", \"qp\": \"target/1\", \"queue\": \"send\", \"nth\": 1, \"errno\": \"EIO\"}\n  ]\n}", 7, "faults[0].errno", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"faults\": [\n    {\"kind\": \"post-error\", \"qp\": \"target/1\", \"queue\": \"cq\", \"nth\": 1}\n  ]\n}", 7, "faults[0].queue", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"random\": {\"ios\": 10},\n  \"topology\": {\n    \"pollGroups\": 2\n  }\n}", 7, "topology.pollGroups", "command workloads only")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\"\n}", 1, "(document)", "")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"topology\": {\"target\": {\"numSharedBuffers\": 2, \"ioUnitSize\": 4096}},\n  \"commands\": []\n}", 5, "topology.target.numSharedBuffers", "2 cannot hold one I/O")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"seed\": 18446744073709551616,\n  \"commands\": []\n}", 5, "seed", "18446744073709551616: must be a whole number between 0 and 2^64-1")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"initialState\": {\"format\": \"spdk-nvmf-rdma-snapshot\",\n    \"poll_groups\": 5}\n}", 7, "initialState.poll_groups", "5: must be a list ([…])")]
    [InlineData("{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"expect\": \"must-pass\",\n  \"commands\": [],\n  \"initialState\": {\"format\": \"spdk-nvmf-rdma-snapshot\",\n    \"request_states\": [\"FREE\",\n      7]}\n}", 8, "initialState.request_states[1]", "7: must be a string")]
    public void A_bad_file_is_reported_with_its_line_and_field(string text, int line, string field, string problem)
    {
        var e = Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse(text, "bad.json"));
        Assert.Equal("bad.json", e.File);
        Assert.True(line == e.Line && field == e.Field, $"expected line {line} field {field}, got: {e.Message}");
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"bad.json:{line}: {field}: ", e.Message, StringComparison.Ordinal);
    }
}
