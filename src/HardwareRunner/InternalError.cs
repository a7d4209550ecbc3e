using System.Globalization;

namespace Harness.HardwareRunner;

/// <summary>
/// What <c>harness</c> prints when an exception escapes <see cref="HarnessProgram.Run(string[], TextWriter, TextWriter)"/>
/// (a bug in the harness): one sentence, the stack trace saved to a file for the bug report, exit 1.
/// </summary>
public static class InternalError
{
    /// <summary>Writes the report to <paramref name="stderr"/> and returns the exit code.</summary>
    public static int Report(Exception e, string[] args, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(stderr);
        var saved = Save(e, args);
        stderr.WriteLine($"harness: internal error (a bug in the harness, not a finding about the transport): {FirstLine(e.Message)}");
        stderr.WriteLine(saved == null
            ? "harness: please report it with the command line; the details could not be saved"
            : $"harness: please report it with the command line and {saved}");
        return HarnessProgram.ExitInvariantBroken;
    }

    private static string? Save(Exception e, string[] args)
    {
        try
        {
            var path = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"harness-internal-error-{Environment.ProcessId}.txt"));
            File.WriteAllText(path, $"harness {string.Join(' ', args)}\n{e}\n");
            return path;
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string FirstLine(string message) =>
        new(message.Split('\n', 2)[0].Trim().Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
