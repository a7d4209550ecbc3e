using Harness.Sim.Files;
using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The scenario files <c>harness replay PATH</c> runs: PATH itself when it is a file, else every <c>*.json</c> below the
/// folder (not <c>*.schema.json</c>) in ordinal order of their paths. A folder that cannot be listed is a problem to
/// report, not the end of the suite; a folder reached twice (through a symbolic link) is listed once.
/// </summary>
internal static class ReplayFiles
{
    /// <summary>
    /// The files of <paramref name="path"/> (a file or a folder; null when it is neither) and, in
    /// <paramref name="problems"/>, the folders below it that could not be listed.
    /// </summary>
    public static List<string>? Find(string path, List<string> problems)
    {
        if (File.Exists(path))
        {
            return new List<string> { path };
        }

        if (!Directory.Exists(path))
        {
            return null;
        }

        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Folder, string Real)>();
        pending.Push((path, Real(path, Path.GetFullPath(path))));
        while (pending.Count > 0)
        {
            var (folder, real) = pending.Pop();
            if (seen.Add(real))
            {
                List(folder, real, files, pending, problems);
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static void List(string folder, string real, List<string> files, Stack<(string, string)> pending, List<string> problems)
    {
        try
        {
            files.AddRange(Directory.EnumerateFiles(folder, "*" + ScenarioFile.Extension)
                .Where(f => !f.EndsWith(".schema" + ScenarioFile.Extension, StringComparison.Ordinal)));
            // Smallest name popped first: which of two paths to one folder is listed must not depend on the file system's order.
            foreach (var sub in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).Reverse())
            {
                pending.Push((sub, Real(sub, Path.Combine(real, Path.GetFileName(sub)))));
            }
        }
        catch (Exception e) when (InputFile.IsFileProblem(e))
        {
            problems.Add($"{folder}: cannot list the folder: {InputFile.Reason(e)}");
        }
    }

    /// <summary>
    /// Where <paramref name="folder"/> really is: its link target when it is a symbolic link, else
    /// <paramref name="unlinked"/> (its parent's real place and its name), so that a link loop ends.
    /// </summary>
    private static string Real(string folder, string unlinked)
    {
        try
        {
            return new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? unlinked;
        }
        catch (Exception e) when (InputFile.IsFileProblem(e))
        {
            return unlinked;
        }
    }
}
