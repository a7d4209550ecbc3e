using System.Globalization;
using System.Text;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// Where a simulated run's time goes, phase by phase (<see cref="RunPhase"/>): <c>harness run</c> prints its own line,
/// <c>harness sweep</c> adds every seed's into one (<see cref="Add"/>) and prints the mean per seed. The meter only reads
/// clocks and counters at the four phase changes, so it changes nothing the run does (nor its trace hash).
/// </summary>
public sealed class RunPhases
{
    /// <summary>Number of phases.</summary>
    public const int PhaseCount = (int)RunPhase.Release + 1;

    private const double NsPerMs = 1e6;
    private readonly PhaseCost[] _costs = new PhaseCost[PhaseCount];
    private readonly object _gate = new();
    private PhaseCost _mark;
    private bool _open;

    /// <summary>Runs measured (one for a run; the seeds for a sweep).</summary>
    public long Runs { get; private set; }

    /// <summary>The phase being measured.</summary>
    public RunPhase Current { get; private set; }

    /// <summary>What <paramref name="phase"/> cost, summed over <see cref="Runs"/>.</summary>
    public PhaseCost this[RunPhase phase] => _costs[(int)phase];

    /// <summary>Everything, summed over phases and runs.</summary>
    public PhaseCost Total => _costs.Aggregate(default(PhaseCost), (a, b) => a + b);

    /// <summary>A run starts (in <see cref="RunPhase.Setup"/>) with the totals <paramref name="at"/>.</summary>
    public void Begin(PhaseCost at)
    {
        Assert(!_open, "a run is already being measured");
        _open = true;
        Runs++;
        Current = RunPhase.Setup;
        _mark = at;
    }

    /// <summary>The current phase ends and <paramref name="next"/>, a later one, starts, with the totals <paramref name="at"/>.</summary>
    public void Enter(RunPhase next, PhaseCost at)
    {
        Assert(_open, "no run is being measured");
        Assert(next > Current, $"phase {next} does not come after {Current}");
        _costs[(int)Current] += at - _mark;
        _mark = at;
        Current = next;
    }

    /// <summary>The run ends with the totals <paramref name="at"/>.</summary>
    public void End(PhaseCost at)
    {
        Assert(_open, "no run is being measured");
        _costs[(int)Current] += at - _mark;
        _open = false;
    }

    /// <summary>Adds a finished run's figures (a sweep's workers call it concurrently).</summary>
    public void Add(RunPhases run)
    {
        Assert(!run._open, "the run added is still being measured");
        lock (_gate)
        {
            Runs += run.Runs;
            for (var i = 0; i < PhaseCount; i++)
            {
                _costs[i] += run._costs[i];
            }
        }
    }

    /// <summary><c>harness run</c>'s line: CPU time per phase up to the summary, and events and virtual time where the world ran.</summary>
    public string Line()
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = Enum.GetValues<RunPhase>().Where(p => p < RunPhase.Release).Select(p =>
        {
            var c = this[p];
            return p is RunPhase.Setup or RunPhase.Check
                ? string.Create(inv, $"{Name(p)} {c.CpuNs / NsPerMs:0.0} ms")
                : string.Create(inv, $"{Name(p)} {c.CpuNs / NsPerMs:0.0} ms ({c.Events} events, {c.IdleRounds} of {c.Rounds} polls idle, {c.VirtualNs / NsPerMs:0.000} ms virtual)");
        });
        return $"time ({Clock}): " + string.Join(", ", parts);
    }

    /// <summary><c>harness sweep</c>'s table: per phase, the mean per run and the share of the CPU time.</summary>
    public string Table()
    {
        var inv = CultureInfo.InvariantCulture;
        var runs = Math.Max(1, Runs);
        var total = Math.Max(1, Total.CpuNs);
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"where a seed's time goes (mean of {Runs} seed(s); {Clock}):"));
        sb.AppendLine("  phase        CPU ms   share    events  polls (idle)       virtual ms  allocated KiB");
        foreach (var p in Enum.GetValues<RunPhase>().Append((RunPhase)PhaseCount))
        {
            var c = (int)p == PhaseCount ? Total : this[p];
            sb.AppendLine(string.Create(inv,
                $"  {((int)p == PhaseCount ? "all" : Name(p)),-10} {c.CpuNs / NsPerMs / runs,8:0.00} {100.0 * c.CpuNs / total,6:0.0}% {(double)c.Events / runs,9:0} {(double)c.Rounds / runs,7:0} ({(double)c.IdleRounds / runs,6:0}) {c.VirtualNs / NsPerMs / runs,12:0.000} {c.AllocatedBytes / 1024.0 / runs,14:0.0}"));
        }

        return sb.ToString();
    }

    private static string Clock => ThreadCpuClock.IsCpuTime ? "CPU time of the simulation's thread" : "wall time: no thread CPU clock here";

    private static string Name(RunPhase p) => p switch
    {
        RunPhase.Io => "I/O",
        _ => p.ToString().ToLowerInvariant(),
    };

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"run phases: {message}");
        }
    }
}
