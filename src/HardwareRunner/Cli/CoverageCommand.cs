using System.CommandLine;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Sweep;
using Harness.Sim.Coverage;
using Harness.Sim.Files;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness coverage merge FILE... [--json OUT]</c> (README.md "Coverage"): sums the coverage files
/// the shards of a sweep wrote (<c>harness sweep --coverage-json</c>) and prints the table <c>harness sweep --coverage</c>
/// prints for the whole sweep. Exit 0 when merged (shards missing, given twice or of different sweeps are warnings on
/// stderr); 2 on a bad file (named by file, line and field; every bad file is told), a bad option, or an output that
/// cannot be written (checked before any file is read; written whole or not at all).
/// </summary>
internal static class CoverageCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("FILE") { Description = "Coverage files written by harness sweep --coverage-json (one per shard).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<string?>("--json") { HelpName = "OUT", Description = "Also write the merged coverage as JSON (the same form: it can be merged again)." };
        var merge = new Command("merge", "Sum the coverage files of a sweep's shards and print the coverage table of the whole sweep.") { files, json };
        merge.SetAction(parse => Merge(parse.GetValue(files)!, parse.GetValue(json), stdout, stderr));
        var coverage = new Command("coverage", "Work with coverage files (harness sweep --coverage-json).") { merge };
        coverage.SetAction(_ =>
        {
            stderr.WriteLine("harness coverage: a subcommand is required (merge)");
            stderr.WriteLine("usage: harness coverage --help");
            return HarnessProgram.ExitUsage;
        });
        return coverage;
    }

    /// <summary>Merges <paramref name="paths"/>, prints the table, writes <paramref name="jsonPath"/> when given; the exit code.</summary>
    public static int Merge(IReadOnlyList<string> paths, string? jsonPath, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (OutputPath.Problem(jsonPath, "--json", "the merged coverage") is { } outputProblem)
        {
            return Usage(stderr, outputProblem);
        }

        var loaded = new List<CoverageFile>();
        var bad = 0;
        foreach (var path in paths)
        {
            try
            {
                loaded.Add(CoverageFile.Load(path));
            }
            catch (Exception e) when (e is InputFileException or CoverageFormatException)
            {
                stderr.WriteLine($"harness coverage merge: {e.Message}");
                bad++;
            }
        }

        if (bad > 0)
        {
            stderr.WriteLine("usage: harness coverage merge --help");
            return HarnessProgram.ExitUsage; // nothing merged from a set with a bad file: a partial sum would pass for the whole
        }

        foreach (var warning in CoverageShards.Warnings(loaded))
        {
            stderr.WriteLine($"harness coverage merge: warning: {warning}");
        }

        var map = new CoverageMap();
        foreach (var file in loaded)
        {
            try
            {
                map.Merge(file.Map);
            }
            catch (OverflowException)
            {
                return Usage(stderr, $"{file.File}: its counts added to those of the files before it do not fit 64 bits");
            }
        }

        stdout.Write(CoverageTable.Render(map));
        return jsonPath == null ? HarnessProgram.ExitOk : Write(jsonPath, map, loaded, stdout, stderr);
    }

    private static int Write(string path, CoverageMap map, List<CoverageFile> loaded, TextWriter stdout, TextWriter stderr)
    {
        // Sorted, so the merged file's bytes do not depend on the order the files were named in.
        var sources = loaded.SelectMany(f => f.Sources).OrderBy(s => s.Sweep, StringComparer.Ordinal).ThenBy(s => s.ShardIndex).ToArray();
        var problem = OutputPath.WriteProblem(path, "--json", "the merged coverage", () => CoverageFile.Save(path, map, sources));
        if (problem != null)
        {
            return Usage(stderr, problem);
        }

        stdout.WriteLine($"coverage json: {path}");
        return HarnessProgram.ExitOk;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness coverage merge: {message}");
        stderr.WriteLine("usage: harness coverage merge --help");
        return HarnessProgram.ExitUsage;
    }
}
