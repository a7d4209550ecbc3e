using System.Text;
using System.Text.RegularExpressions;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// What both importers (<c>import-log</c>, <c>import-core</c>) do with the scenario they build: give it a valid name,
/// keep its description within the format, check that it loads as written, and write it whole or not at all.
/// </summary>
public static partial class ImportedScenario
{
    /// <summary>Longest scenario name (the scenario schema's).</summary>
    public const int NameCharsMax = 100;

    /// <summary>Longest scenario description (the scenario schema's <c>maxLength</c>).</summary>
    public const int DescriptionCharsMax = 4000;

    /// <summary><paramref name="prefix"/> and the file name of <paramref name="path"/> without its extension, as a valid scenario name.</summary>
    public static string DefaultName(string prefix, string path)
    {
        var stem = new string(Path.GetFileNameWithoutExtension(path).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        var name = prefix + stem;
        return name.Length > NameCharsMax ? name[..NameCharsMax] : name;
    }

    /// <summary>Null when <paramref name="name"/> (from <c>--name</c>) can name a scenario, else the usage error.</summary>
    public static string? NameProblem(string? name) => name == null || NamePattern().IsMatch(name)
        ? null
        : $"--name {PrintableText.Escape(name)}: a scenario name is a letter or digit, then letters, digits, '.', '_' or '-', at most {NameCharsMax} characters";

    /// <summary>
    /// <paramref name="text"/> with control characters escaped (replay prints it) and cut to
    /// <see cref="DescriptionCharsMax"/> characters (the end marked).
    /// </summary>
    public static string Description(string text)
    {
        var printable = PrintableText.Escape(text);
        return printable.Length <= DescriptionCharsMax ? printable : printable[..(DescriptionCharsMax - 1)] + "…";
    }

    /// <summary>
    /// Writes <paramref name="scenario"/> to <paramref name="outputPath"/> after checking that the text loads (what an
    /// importer writes must replay); null when written, else why not (nothing is written then).
    /// </summary>
    public static string? Write(Scenario scenario, string outputPath)
    {
        var json = ScenarioFile.ToJson(scenario);
        if (Encoding.UTF8.GetByteCount(json) > ScenarioFile.FileBytesMax)
        {
            return $"--output {outputPath}: the scenario would be larger than a scenario file may be ({ScenarioFile.FileBytesMax} bytes); nothing written";
        }

        try
        {
            ScenarioFile.Parse(json, outputPath);
        }
        catch (ScenarioFormatException e)
        {
            return $"the scenario built does not load ({e.Message}): a bug of the importer, please report it with its input; nothing written";
        }

        try
        {
            OutputFile.WriteText(outputPath, json);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--output {outputPath}: cannot write the scenario there: {e.Message}";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}
