using System.Globalization;
using Harness.HardwareRunner.Cli;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// Whatever a message quotes from an input, the terminal gets no control character: every subcommand prints through
/// <see cref="PrintableWriter"/>; line breaks and tabs pass, the bar's writer is the raw one.
/// </summary>
public sealed class PrintableWriterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-printable-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Control_and_format_characters_are_escaped_line_breaks_and_tabs_pass()
    {
        var raw = new StringWriter(CultureInfo.InvariantCulture);
        var writer = PrintableWriter.Wrap(raw);
        writer.WriteLine("a\tb\u001b[2J\rc\u0000\u202e\u0085é");
        writer.Write('\u0007');

        Assert.Equal("a\tb\\x1b[2J\\rc\\x00\\u202e\\x85é\n\\x07", raw.ToString());
        Assert.Same(raw, PrintableWriter.Unwrap(writer));
        Assert.Same(writer, PrintableWriter.Wrap(writer));
    }

    [Fact]
    public void A_field_name_with_escapes_reaches_the_terminal_escaped()
    {
        // Valid JSON: the escapes decode to ESC and BEL in a field's name, which the error message quotes.
        var path = Path.Combine(_dir.FullName, "esc.json");
        File.WriteAllText(path, "{\"format\": 1, \"name\": \"x\", \"expect\": \"must-pass\", \"commands\": [], \"x\\u001b]0;pwned\\u0007\": 1}");

        var run = HarnessRun.Of("replay", path);

        Assert.Equal(2, run.Exit);
        Assert.False((run.Stdout + run.Stderr).Any(c => char.IsControl(c) && c is not '\n'), run.ToString());
        Assert.Contains("\\x1b]0;pwned\\x07", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }
}
