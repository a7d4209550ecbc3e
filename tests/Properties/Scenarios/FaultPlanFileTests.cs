using System.Text;
using Harness.Sim.Faults;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// Fault plan files (<c>--faults FILE</c>): the faults of a scenario on their own, checked as strictly as a scenario
/// file, every problem named with the file, the line and the field.
/// </summary>
public sealed class FaultPlanFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fault-plan-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_plan_loads_into_the_simulators_faults_in_file_order()
    {
        var file = Write("plan.json", """
            {
              // the field report's READ error
              "faults": [
                {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 3, "status": "IBV_WC_RETRY_EXC_ERR"},
                {"kind": "disconnect", "qp": "host/0", "atNs": 5000}
              ]
            }
            """);

        var plan = FaultPlanFile.Load(file);

        Assert.Equal(
            [new WcErrorFault(new QpSelector("target", 1), WrKind.RdmaRead, 3, WcStatus.RetryExcErr), new DisconnectFault(new QpSelector("host", 0), 5000)],
            plan.ToPlan().Scripted);
        Assert.Equal($"{file}:4: warning: faults[0] (RDMA READ #3 of target/1 completes IBV_WC_RETRY_EXC_ERR) never fired", plan.NeverFiredWarning(0));
    }

    [Theory]
    [InlineData("{\n  \"faults\": [\n    {\"kind\": \"disconnect\", \"qp\": \"host/0\", \"atNs\": 5000}\n  ],\n  \"faults\": []\n}", 5, "faults", "duplicate field: also given on line 2")]
    [InlineData("{\n  \"faults\": [\n    {\"kind\": \"disconnect\", \"qp\": \"host/0\", \"atNs\": 5000, \"atNs\": 6000}\n  ]\n}", 3, "faults[0].atNs", "duplicate field")]
    [InlineData("{\n  \"faults\": [\n    {\"kind\": \"wc-error\", \"qp\": \"target/1\", \"wr\": \"any\", \"nth\": 99999999999, \"status\": \"IBV_WC_REM_ACCESS_ERR\"}\n  ]\n}", 3, "faults[0].nth", "99999999999: must be a whole number between -2^31 and 2^31-1")]
    [InlineData("{\n  \"faults\": [\n    {\"kind\": \"disconnect\", \"qp\": \"host/0\", \"atNs\": \"soon\"}\n  ]\n}", 3, "faults[0].atNs", "\"soon\": must be a whole number")]
    [InlineData("{\n  \"faults\": [],\n  \"seed\": 3\n}", 3, "seed", "unknown field")]
    [InlineData("{\n  \"description\": \"nothing\"\n}", 1, "(document)", "holds no fault")]
    public void A_bad_plan_is_named_with_its_line_and_field_in_JSON_words(string text, int line, string field, string problem)
    {
        var e = Assert.Throws<ScenarioFormatException>(() => FaultPlanFile.Parse(Encoding.UTF8.GetBytes(text), "plan.json"));

        Assert.True(line == e.Line && field == e.Field, $"expected line {line} field {field}, got: {e.Message}");
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_that_is_not_UTF8_names_the_field_holding_the_bad_byte()
    {
        byte[] text = [.. "{\n  \"faults\": [\n    {\"kind\": \"disconnect\", \"qp\": \"host/0"u8, 0xff, .. "\", \"atNs\": 5000}\n  ]\n}\n"u8];

        var e = Assert.Throws<ScenarioFormatException>(() => FaultPlanFile.Parse(text, "plan.json"));

        Assert.StartsWith("plan.json:3: faults[0].qp: not UTF-8: byte 0xff at line 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_given_as_a_plan_is_called_a_directory()
    {
        var e = Assert.Throws<InputFileException>(() => FaultPlanFile.Load(_dir));

        Assert.Equal($"{_dir}: is a directory, not a fault plan file", e.Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
