namespace Harness.HardwareRunner.Cli;

/// <summary>
/// A value as a POSIX shell word, so that a printed command line runs as printed when pasted: a value of only safe
/// characters as it is, anything else in single quotes (a quote inside as <c>'\''</c>).
/// </summary>
public static class ShellWord
{
    /// <summary>Characters a shell takes literally outside quotes (no globbing, expansion, splitting or redirection).</summary>
    private const string SafeCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,";

    /// <summary><paramref name="value"/> quoted when a shell would otherwise change it (an empty value is <c>''</c>).</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value.All(c => SafeCharacters.Contains(c, StringComparison.Ordinal)))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
