using Harness.Sim.Scenarios;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// <see cref="ScenarioFile.Save"/> (sweep's kept seeds, FsCheck's counterexamples): whole file or nothing, whoever else
/// writes the same path at the same time, and no temporary file left behind when the write fails.
/// </summary>
public sealed class ScenarioFileSaveTests : IDisposable
{
    /// <summary>Saves per writer thread: enough for two writers of one temporary name to meet many times.</summary>
    private const int SavesPerWriter = 300;

    /// <summary>Commands of the long scenario (the schema's most): its file takes many write calls, the short one's one.</summary>
    private const int LongCommands = 1000;

    private readonly string _dir = Directory.CreateTempSubdirectory("scenario-save-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Two_threads_saving_one_path_never_leave_a_half_file_and_no_temporary_file()
    {
        var path = Path.Combine(_dir, "kept.json");
        var shortOne = Scenario("short", 1);
        var longOne = Scenario("long", LongCommands);
        var texts = new HashSet<string>(StringComparer.Ordinal) { ScenarioFile.ToJson(shortOne), ScenarioFile.ToJson(longOne) };
        var seen = new List<string>();
        using var done = new CancellationTokenSource();

        var reader = Task.Run(() => Read(path, seen, done.Token));
        var writers = new[] { shortOne, longOne }.Select(s => Task.Run(() => SaveRepeatedly(s, path))).ToArray();
        var failures = await Task.WhenAll(writers).ContinueWith(t => t.Exception, TaskScheduler.Default);
        await done.CancelAsync();
        await reader;

        Assert.Null(failures);
        Assert.Contains(File.ReadAllText(path), texts);
        Assert.All(seen, text => Assert.True(texts.Contains(text), $"a reader saw a file of {text.Length} chars that is neither scenario"));
        Assert.Equal(["kept.json"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_save_that_fails_leaves_no_temporary_file()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "taken.json")).FullName; // a folder where the file should go

        Assert.ThrowsAny<IOException>(() => ScenarioFile.Save(Scenario("refused", 1), folder));

        Assert.Equal(["taken.json"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    private static Scenario Scenario(string name, int waits) =>
        ScenarioFile.Parse($$"""
            {"format": 1, "name": "{{name}}", "expect": "must-pass", "commands": [{{string.Join(", ", Enumerable.Repeat("""{"op": "wait", "ns": 1000}""", waits))}}]}
            """, name + ".json").Scenario;

    private static void SaveRepeatedly(Scenario scenario, string path)
    {
        for (var i = 0; i < SavesPerWriter; i++)
        {
            ScenarioFile.Save(scenario, path);
        }
    }

    /// <summary>Reads the file over and over while the writers run (it may not exist yet).</summary>
    private static void Read(string path, List<string> seen, CancellationToken done)
    {
        while (!done.IsCancellationRequested)
        {
            try
            {
                seen.Add(File.ReadAllText(path));
            }
            catch (FileNotFoundException)
            {
                // before the first save
            }
        }
    }
}
