using System.Globalization;
using Harness.HardwareRunner;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The program's last resort (<see cref="InternalError"/>): an exception that escaped the command line (a harness bug)
/// becomes one sentence on stderr, exit 1, and the stack trace in a file for the report, never on the terminal.
/// </summary>
public sealed class InternalErrorTests
{
    [Fact]
    public void An_escaped_exception_is_one_sentence_exit_1_and_the_stack_in_a_file()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("broken\u001b[31m on purpose\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        Assert.Equal(HarnessProgram.ExitInvariantBroken, InternalError.Report(thrown, new[] { "run", "--seed", "3" }, stderr));
        var text = stderr.ToString();
        Assert.Contains("internal error (a bug in the harness", text, StringComparison.Ordinal);
        Assert.Contains("broken?[31m on purpose", text, StringComparison.Ordinal);
        Assert.DoesNotContain("second line", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        var saved = text.Split(' ').Last().Trim();
        Assert.True(File.Exists(saved), text);
        var details = File.ReadAllText(saved);
        File.Delete(saved);
        Assert.StartsWith("harness run --seed 3\n", details, StringComparison.Ordinal);
        Assert.Contains(nameof(An_escaped_exception_is_one_sentence_exit_1_and_the_stack_in_a_file), details, StringComparison.Ordinal);
    }
}
