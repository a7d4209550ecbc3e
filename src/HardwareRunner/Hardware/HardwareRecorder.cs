using Harness.Sim.Tracing;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The trace of a hardware run: what the harness itself sees (the target's and the host's SPDK-format log lines, every
/// fault action, the verdict), as <see cref="TraceRecord"/> notes timed in ns since the run started, hashed like the
/// simulator's trace and written as JSON lines with <c>--trace</c>. The NIC's own work is not in it (no verbs call is
/// traced on hardware: that would cost the data path), and real time makes its hash differ from run to run. Callable
/// from any thread (the watchdog writes the verdict of a hung run).
/// </summary>
public sealed class HardwareRecorder : IDisposable
{
    private readonly object _gate = new();
    private readonly Trace _trace;
    private readonly IClock _clock;
    private readonly long _startNs;

    public HardwareRecorder(Trace trace, IClock clock)
    {
        _trace = trace ?? throw new ArgumentNullException(nameof(trace));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _startNs = clock.NowNs;
    }

    /// <summary>ns since the run started.</summary>
    public long ElapsedNs => _clock.NowNs - _startNs;

    /// <summary>The hash of everything recorded so far.</summary>
    public string HashHex
    {
        get
        {
            lock (_gate)
            {
                return _trace.HashHex;
            }
        }
    }

    /// <summary>A log line of <paramref name="node"/> (<c>target</c> or <c>host</c>).</summary>
    public void Log(string node, string line) => Record(new TraceRecord { Kind = TraceKind.Note, Node = node, Op = "log", Text = line });

    /// <summary>A note of the harness.</summary>
    public void Note(string text) => Record(new TraceRecord { Kind = TraceKind.Note, Node = "harness", Text = text });

    /// <summary>A fault action made or not made.</summary>
    public void Fault(InjectedAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Record(new TraceRecord
        {
            Kind = TraceKind.Fault,
            Node = action.Action.Side.ToName(),
            Op = action.Action.Kind.ToString(),
            Status = action.Injected ? Transport.Verbs.Errno.Name(action.Rc) : "not-injected",
            Text = action.ToString(),
        });
    }

    /// <summary>The verdict (an invariant broke).</summary>
    public void Violation(string invariant, string firstLine) =>
        Record(new TraceRecord { Kind = TraceKind.Violation, Node = "harness", Op = invariant, Text = firstLine });

    public void Dispose()
    {
        lock (_gate)
        {
            _trace.Dispose();
        }
    }

    private void Record(TraceRecord record)
    {
        record.TimeNs = ElapsedNs;
        lock (_gate)
        {
            _trace.Record(record);
        }
    }
}
