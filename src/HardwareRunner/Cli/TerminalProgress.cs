using Spectre.Console;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The progress bar of <c>harness sweep</c> and <c>harness run</c> on a terminal (Spectre.Console): a description, the
/// bar, the percentage and the time left, redrawn every <see cref="PollMs"/> from a counter another thread advances,
/// cleared when done.
/// </summary>
internal static class TerminalProgress
{
    /// <summary>Milliseconds between two redraws.</summary>
    public const int PollMs = 100;

    /// <summary>
    /// Draws on <paramref name="terminal"/> until <paramref name="finished"/>: <paramref name="done"/> of
    /// <paramref name="total"/>, described by <paramref name="describe"/>. Returns when <paramref name="finished"/> is true.
    /// </summary>
    public static void Show(TextWriter terminal, long total, Func<long> done, Func<string> describe, Func<bool> finished)
    {
        // The bar speaks ANSI on purpose: it writes under the escaping writer, to the terminal itself.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(PrintableWriter.Unwrap(terminal)) });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(describe(), maxValue: Math.Max(1, total));
                while (!finished())
                {
                    Thread.Sleep(PollMs);
                    task.Value = done();
                    task.Description = describe();
                }

                task.Value = total;
            });
    }
}
