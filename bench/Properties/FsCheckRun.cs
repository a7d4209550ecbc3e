using FsCheck;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Harness.Bench.Properties;

/// <summary>
/// Runs an FsCheck property the way its xunit test does (same generators and checks), from a fixed random seed so every
/// run draws the same cases, and counts cases. With <see cref="StopAtFirstFailure"/> the run ends at the first failing
/// case, before shrinking: the time to find, not the time to explain.
/// </summary>
public sealed class FsCheckRun : IRunner
{
    private FsCheckRun(bool stopAtFirstFailure) => StopAtFirstFailure = stopAtFirstFailure;

    public bool StopAtFirstFailure { get; }

    /// <summary>Cases run (the failing one included).</summary>
    public int Cases { get; private set; }

    public bool Failed { get; private set; }

    /// <summary>Checks <paramref name="property"/> for up to <paramref name="cases"/> cases from seed <paramref name="seed"/>.</summary>
    public static FsCheckRun Check(Property property, int cases, ulong seed, bool stopAtFirstFailure)
    {
        var run = new FsCheckRun(stopAtFirstFailure);
        var replay = new Replay(new Rnd(seed, 0x9E37_79B9_7F4A_7C15UL | 1), FSharpOption<int>.None);
        var config = Config.Quick.WithMaxTest(cases).WithReplay(FSharpOption<Replay>.Some(replay)).WithRunner(run).WithQuietOnSuccess(true);
        try
        {
            global::FsCheck.Check.One(config, property);
        }
        catch (FirstFailure)
        {
            // stopped before shrinking
        }

        return run;
    }

    /// <inheritdoc/>
    public void OnStartFixture(Type t)
    {
    }

    /// <inheritdoc/>
    public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every) => Cases++;

    /// <inheritdoc/>
    public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink)
    {
        Failed = true;
        if (StopAtFirstFailure)
        {
            throw new FirstFailure();
        }
    }

    /// <inheritdoc/>
    public void OnFinished(string name, TestResult testResult) => Failed |= testResult.IsFailed;

    private sealed class FirstFailure : Exception;
}
