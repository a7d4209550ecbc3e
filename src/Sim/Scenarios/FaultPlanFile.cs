using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Harness.Sim.Faults;
using Harness.Sim.Files;

namespace Harness.Sim.Scenarios;

/// <summary>
/// A fault plan file (<c>harness run --faults FILE</c>, DESIGN.md): a scenario's <c>faults</c> and <c>swarm</c> without
/// the rest, in the same vocabulary (docs/scenarios.md, "Faults"):
/// <c>{"faults": [{"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 3, "status": "IBV_WC_RETRY_EXC_ERR"}]}</c>.
/// It is read and checked exactly as a scenario file is (<see cref="InputFile"/>, UTF-8, fields given twice, the
/// scenario schema's fault definitions, messages in JSON's words), every problem a <see cref="ScenarioFormatException"/>
/// naming the file, the line and the field. Which QP numbers exist cannot be checked here: a random workload's host
/// reconnects failed qpairs by itself, so <c>target/9</c> may come to exist in a run of one qpair; a fault that never
/// fires is told after the run instead (<see cref="NeverFiredWarning"/>).
/// </summary>
public sealed class FaultPlanFile
{
    /// <summary>Largest file read (as a scenario file).</summary>
    public const int FileBytesMax = ScenarioFile.FileBytesMax;

    /// <summary>The top-level fields a fault plan file may have.</summary>
    private static readonly string[] Fields = ["$schema", "description", "faults", "swarm"];

    private readonly ScenarioDocument _document;

    private FaultPlanFile(ScenarioDocument document) => _document = document;

    /// <summary>The file as it was named.</summary>
    public string File => _document.File;

    /// <summary>The scripted faults, in file order.</summary>
    public IReadOnlyList<FaultSpec> Faults => _document.Scenario.Faults ?? Array.Empty<FaultSpec>();

    /// <summary>The swarm rates, or null.</summary>
    public ScenarioSwarm? Swarm => _document.Scenario.Swarm;

    /// <summary>Reads and checks the fault plan in <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, unreadable, too large).</exception>
    /// <exception cref="ScenarioFormatException">The file is read but is not a valid fault plan.</exception>
    public static FaultPlanFile Load(string path) => Parse(InputFile.ReadAllBytes(path, FileBytesMax, "fault plan file"), path);

    /// <summary>Checks and reads UTF-8 fault plan bytes; <paramref name="file"/> names it in errors.</summary>
    public static FaultPlanFile Parse(ReadOnlySpan<byte> utf8, string file)
    {
        var lines = ScenarioFile.ReadJson(utf8, file, out var json);
        using (json)
        {
            CheckFields(json.RootElement, lines, file);

            // The plan is checked and read as the scenario it belongs in: one schema and one reader for both. Its fields
            // keep their pointers (/faults/2/nth), so the file's own line map names their lines.
            using var scenario = AsScenario(json.RootElement);
            var document = new ScenarioDocument(file, ScenarioFile.Bind(scenario.RootElement, lines, file), lines);
            ScenarioFile.CheckFaultWindows(document);
            return new FaultPlanFile(document);
        }
    }

    /// <summary>The simulator's plan: the file's faults in order (plan index = index in <c>faults</c>) and swarm rates.</summary>
    public FaultPlan ToPlan() => ScenarioNames.ToPlan(_document.Scenario);

    /// <summary>The faults in words, for the run's fault line (<c>faults: …</c> without the prefix).</summary>
    public string Describe() => ScenarioText.DescribeFaults(_document.Scenario) is { Length: > 0 } text ? text : "none";

    /// <summary><c>FILE:LINE: warning: faults[I] (WHAT) never fired</c> for fault <paramref name="index"/>.</summary>
    public string NeverFiredWarning(int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{File}:{_document.LineOf($"/faults/{index}")}: warning: {ScenarioText.NeverFired(_document.Scenario, index)}");

    private static void CheckFields(JsonElement root, JsonLineMap lines, string file)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ScenarioFormatException(file, 1, "(document)", "must be an object ({\"faults\": [...]}, docs/scenarios.md)");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new ScenarioFormatException(file, lines.LineOf("/" + JsonLineMap.Escape(property.Name)), property.Name,
                    $"unknown field (a fault plan file has {string.Join(", ", Fields)})");
            }
        }

        if (!root.TryGetProperty("faults", out _) && !root.TryGetProperty("swarm", out _))
        {
            throw new ScenarioFormatException(file, 1, "(document)", "holds no fault: it needs \"faults\" (scripted faults) or \"swarm\" (rates)");
        }
    }

    /// <summary>The plan inside the smallest scenario that can hold it (an empty command list).</summary>
    private static JsonDocument AsScenario(JsonElement plan)
    {
        var scenario = new JsonObject
        {
            ["format"] = Scenario.CurrentFormat,
            ["name"] = "fault-plan",
            ["expect"] = ScenarioExpectation.MustPassText,
            ["commands"] = new JsonArray(),
        };
        foreach (var property in plan.EnumerateObject())
        {
            scenario[property.Name] = JsonSerializer.SerializeToNode(property.Value);
        }

        return JsonSerializer.SerializeToDocument(scenario);
    }
}
