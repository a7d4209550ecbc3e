using System.Buffers;
using System.Text;
using Harness.Sim.Files;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The writer every subcommand prints through (<see cref="HarnessProgram"/> wraps stdout and stderr in it): any control
/// or invisible format character but a line break or a tab is written escaped (<see cref="PrintableText"/>), so text
/// that came from a user's file — a scenario's name, a field a message quotes, a log line — can never drive the
/// terminal or forge a line, whichever message carries it. The progress bar, which speaks ANSI on purpose, writes to
/// <see cref="Unwrap"/> instead.
/// </summary>
public sealed class PrintableWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    /// <summary>Characters that need no look (the common case: printable ASCII, line breaks and tabs).</summary>
    private static readonly SearchValues<char> Printable =
        SearchValues.Create("\n\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <inheritdoc/>
    public override Encoding Encoding => inner.Encoding;

    /// <summary>The writer as the program got it (for output that must reach the terminal unescaped).</summary>
    public TextWriter Inner => inner;

    /// <summary><paramref name="writer"/> wrapped, unless it already is.</summary>
    public static TextWriter Wrap(TextWriter writer) => writer as PrintableWriter ?? new PrintableWriter(writer);

    /// <summary>The writer under a <see cref="PrintableWriter"/>, or <paramref name="writer"/> itself.</summary>
    public static TextWriter Unwrap(TextWriter writer) => writer is PrintableWriter p ? p.Inner : writer;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        if (value is '\n' or '\t' || !PrintableText.IsUnprintable(value))
        {
            inner.Write(value);
            return;
        }

        inner.Write(PrintableText.Escape(value.ToString()));
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        if (value == null)
        {
            return;
        }

        if (!value.AsSpan().ContainsAnyExcept(Printable))
        {
            inner.Write(value);
            return;
        }

        foreach (var c in value)
        {
            Write(c);
        }
    }

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();
}
