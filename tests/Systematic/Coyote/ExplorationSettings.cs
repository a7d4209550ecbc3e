using System.Globalization;
using Microsoft.Coyote;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// How much and how Coyote explores, from environment variables, so CI runs a small exploration and a nightly job a
/// large one with the same tests (docs/systematic.md):
/// <list type="bullet">
/// <item><c>HARNESS_COYOTE_ITERATIONS</c>: schedules per test (default: the test's own CI budget);</item>
/// <item><c>HARNESS_COYOTE_STRATEGY</c>: <c>random</c>, <c>probabilistic[:N]</c>, <c>prioritization[:N]</c>,
/// <c>fair-prioritization[:N]</c>, <c>delay-bounding[:N]</c>, <c>q-learning</c>, <c>portfolio</c> (default
/// <see cref="DefaultStrategy"/>:<see cref="DefaultStrategyValue"/>; docs/systematic.md has the measurements);</item>
/// <item><c>HARNESS_COYOTE_SEED</c>: the seed of Coyote's scheduling choices (default 1, so CI is repeatable);</item>
/// <item><c>HARNESS_COYOTE_MAX_STEPS</c>: scheduling steps per schedule (default <see cref="MaxStepsDefault"/>);</item>
/// <item><c>HARNESS_COYOTE_TIMEOUT_S</c>: wall-clock budget per test, 0 = none (nightly: stop after N seconds);</item>
/// <item><c>HARNESS_COYOTE_TRACE_DIR</c>: where a found bug's reproducible trace is written (default
/// <c>coyote-traces</c> next to the test assembly);</item>
/// <item><c>HARNESS_COYOTE_REPLAY</c>: a trace file; the test whose name it starts with replays it instead of exploring.</item>
/// <item><c>HARNESS_COYOTE_IMPLICIT_POINTS</c>: 1 puts Coyote's implicit scheduling points back (every lock, Interlocked,
/// Volatile, concurrent collection): the exploration before issue 17, for comparison (default 0: meeting points only);</item>
/// <item><c>HARNESS_COYOTE_POINTS</c>: a file; the exploration writes there where its scheduling points were reached (by
/// call site, most frequent first: what the steps per schedule are made of). Slow: a stack trace per step.</item>
/// </list>
/// A malformed value is an error naming the variable, never silently ignored.
/// </summary>
public sealed record ExplorationSettings
{
    /// <summary>The strategy used when HARNESS_COYOTE_STRATEGY is not set (see docs/systematic.md for the measurement).</summary>
    public const string DefaultStrategy = "probabilistic";

    /// <summary>
    /// The default strategy's value: probabilistic:3 (Coyote's own default) switches threads at a scheduling point with
    /// probability 1/3. Measured over ten independent seeds on the meeting-point build (docs/systematic.md): every
    /// strategy found the seed bug in 10 of 10; :3 and delay-bounding had the lowest median (2 schedules), :3 the
    /// lowest median time.
    /// </summary>
    public const uint DefaultStrategyValue = 3;

    /// <summary>Scheduling steps one schedule may take before Coyote cuts it short.</summary>
    public const uint MaxStepsDefault = 20_000;

    /// <summary>
    /// Real time (ms) a schedule may go without a scheduling decision before Coyote's periodic monitor reports a
    /// "potential deadlock or hang". A scenario's setup runs with scheduling suppressed (single-threaded, no decision)
    /// and, in the first schedule of a process, JIT-compiles the whole stack: on the loaded 2-core machine that took
    /// 6-8 s, and Coyote's default (a few seconds) reported it as a hang at schedule 1. A real deadlock (every controlled
    /// thread blocked) is detected exactly, without this timer; a thread stuck outside Coyote's control is still reported.
    /// </summary>
    public const uint DeadlockTimeoutMs = 60_000;

    /// <summary>Upper bound on iterations one test may be asked for (a typo guard: 10^9 schedules is not a nightly).</summary>
    public const uint IterationsMax = 100_000_000;

    public const string IterationsVariable = "HARNESS_COYOTE_ITERATIONS";
    public const string StrategyVariable = "HARNESS_COYOTE_STRATEGY";
    public const string SeedVariable = "HARNESS_COYOTE_SEED";
    public const string MaxStepsVariable = "HARNESS_COYOTE_MAX_STEPS";
    public const string TimeoutVariable = "HARNESS_COYOTE_TIMEOUT_S";
    public const string TraceDirVariable = "HARNESS_COYOTE_TRACE_DIR";
    public const string ReplayVariable = "HARNESS_COYOTE_REPLAY";
    public const string PointsVariable = "HARNESS_COYOTE_POINTS";
    public const string ImplicitPointsVariable = "HARNESS_COYOTE_IMPLICIT_POINTS";

    public uint Iterations { get; init; }

    public string Strategy { get; init; } = DefaultStrategy;

    public uint? StrategyValue { get; init; } = DefaultStrategyValue;

    public uint Seed { get; init; } = 1;

    public uint MaxSteps { get; init; } = MaxStepsDefault;

    public int TimeoutSeconds { get; init; }

    public string TraceDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "coyote-traces");

    public string? ReplayFile { get; init; }

    /// <summary>
    /// Coyote's implicit scheduling points on (every free lock, Interlocked, Volatile, concurrent collection): the
    /// exploration as it was before issue 17, kept to measure against. Off by default.
    /// </summary>
    public bool ImplicitPoints { get; init; }

    /// <summary>Where to write the scheduling points by call site (<see cref="SchedulingPointReport"/>), or null.</summary>
    public string? PointsFile { get; init; }

    /// <summary>The settings for a test whose CI budget is <paramref name="ciIterations"/>, overridden by the environment.</summary>
    public static ExplorationSettings FromEnvironment(uint ciIterations)
    {
        var (strategy, value) = ParseStrategy(Environment.GetEnvironmentVariable(StrategyVariable));
        return new ExplorationSettings
        {
            Iterations = ReadUInt(IterationsVariable, ciIterations, 1, IterationsMax),
            Strategy = strategy,
            StrategyValue = value,
            Seed = ReadUInt(SeedVariable, 1, 0, uint.MaxValue),
            MaxSteps = ReadUInt(MaxStepsVariable, MaxStepsDefault, 100, 10_000_000),
            TimeoutSeconds = (int)ReadUInt(TimeoutVariable, 0, 0, 7 * 24 * 3600),
            TraceDirectory = Environment.GetEnvironmentVariable(TraceDirVariable) is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(AppContext.BaseDirectory, "coyote-traces"),
            ReplayFile = Environment.GetEnvironmentVariable(ReplayVariable) is { Length: > 0 } file ? Path.GetFullPath(file) : null,
            ImplicitPoints = ReadUInt(ImplicitPointsVariable, 0, 0, 1) == 1,
            PointsFile = Environment.GetEnvironmentVariable(PointsVariable) is { Length: > 0 } points ? Path.GetFullPath(points) : null,
        };
    }

    /// <summary>The Coyote configuration these settings describe (telemetry off: no network here).</summary>
    public Configuration ToConfiguration()
    {
        var config = Configuration.Create()
            .WithTelemetryEnabled(false)
            .WithTestingIterations(Iterations)
            .WithRandomGeneratorSeed(Seed)
            .WithMaxSchedulingSteps(MaxSteps)
            .WithDeadlockTimeout(DeadlockTimeoutMs)
            .WithUncontrolledInvocationStackTraceLoggingEnabled(true)
            .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None)
            .WithScheduleCoverageReported(PointsFile != null)
            .WithTraceAnalysisEnabled(false); // its execution graph needs the call sites tools/CoyoteCallSites removes
        // Coyote's implicit scheduling points (every lock taken while free, every Interlocked and Volatile call, every
        // concurrent collection access) off: the races are explored at the transport's meeting points (MeetingPoint,
        // IHostInterleaving) and where a thread blocks. HARNESS_COYOTE_IMPLICIT_POINTS=1 turns them back on.
        config = config
            .WithLockAccessRaceCheckingEnabled(ImplicitPoints)
            .WithAtomicOperationRaceCheckingEnabled(ImplicitPoints)
            .WithVolatileOperationRaceCheckingEnabled(ImplicitPoints)
            .WithCollectionAccessRaceCheckingEnabled(ImplicitPoints);
        if (TimeoutSeconds > 0)
        {
            config = config.WithTestingTimeout(TimeoutSeconds);
        }

        return Strategy switch
        {
            "random" => config.WithRandomStrategy(),
            "probabilistic" => config.WithProbabilisticStrategy(StrategyValue ?? 3),
            "prioritization" => config.WithPrioritizationStrategy(false, StrategyValue ?? 10),
            "fair-prioritization" => config.WithPrioritizationStrategy(true, StrategyValue ?? 10),
            "delay-bounding" => config.WithDelayBoundingStrategy(false, StrategyValue ?? 10),
            "fair-delay-bounding" => config.WithDelayBoundingStrategy(true, StrategyValue ?? 10),
            "q-learning" => config.WithQLearningStrategy(),
            "portfolio" => config, // Coyote's default: its tuned portfolio of (fair) strategies
            _ => throw new InvalidOperationException($"unknown strategy '{Strategy}'"),
        };
    }

    /// <summary>The strategy as the <c>coyote</c> command line spells it (for replay and nightly commands).</summary>
    public string Describe() => StrategyValue is { } v ? $"{Strategy}:{v}" : Strategy;

    internal static (string Strategy, uint? Value) ParseStrategy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (DefaultStrategy, DefaultStrategyValue);
        }

        var parts = text.Trim().ToLowerInvariant().Split(':', 2);
        string[] known = ["random", "probabilistic", "prioritization", "fair-prioritization", "delay-bounding", "fair-delay-bounding", "q-learning", "portfolio"];
        if (!known.Contains(parts[0]))
        {
            throw new ArgumentException($"{StrategyVariable}='{text}': unknown strategy '{parts[0]}' (one of {string.Join(", ", known)}, optionally ':N')");
        }

        if (parts.Length == 1)
        {
            return (parts[0], null);
        }

        if (!uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0)
        {
            throw new ArgumentException($"{StrategyVariable}='{text}': the strategy value after ':' must be a positive integer");
        }

        return (parts[0], value);
    }

    private static uint ReadUInt(string variable, uint fallback, uint min, uint max)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"{variable}='{text}': must be an integer in {min}..{max}");
        }

        return value;
    }
}
