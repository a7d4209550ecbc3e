using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// Host sessions of a target-only run. A session starts when a controller appears and ends when the target has been
/// idle (no controller, no live qpair) for <see cref="IdleNsMin"/>: a host's controller reset or delete-and-re-attach
/// leaves the target idle only for its reconnect backoff (milliseconds), a host that shut down and exited leaves it
/// idle for good. When a session ends, every buffer must be back in its pool and the namespace is deallocated, so the
/// next host starts from the zeroed namespace its data model assumes. A poller on one of the target's reactors.
/// </summary>
public sealed class TargetSessions
{
    /// <summary>Idle time after which a session counts as ended (longer than the host's largest reconnect delay, 64 ms).</summary>
    public const long IdleNsMin = 1_000_000_000;

    private readonly NvmfTargetSide _target;
    private readonly IClock _clock;
    private readonly Action<string> _note;
    private bool _inSession;
    private long _idleSinceNs = -1;

    public TargetSessions(NvmfTargetSide target, IClock clock, Action<string> note)
    {
        _target = target ?? throw new ArgumentNullException(nameof(target));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _note = note ?? throw new ArgumentNullException(nameof(note));
    }

    /// <summary>Sessions that ended.</summary>
    public int Ended { get; private set; }

    /// <summary>True while a host is connected (or was, less than <see cref="IdleNsMin"/> ago).</summary>
    public bool InSession => _inSession;

    /// <summary>Resources not returned at the end of a session (the first such report), or null.</summary>
    public string? Leak { get; private set; }

    /// <summary>When an idle target's session ends (<see cref="IdleNsMin"/> after it fell idle), if nothing happens before.</summary>
    public long NextRunNs => _inSession && _idleSinceNs >= 0 ? _idleSinceNs + IdleNsMin : ITimedPoller.Never;

    /// <summary>The poller: tracks the session state. Returns work done.</summary>
    public int Poll()
    {
        if (!_target.Idle)
        {
            _inSession = true;
            _idleSinceNs = -1;
            return 0;
        }

        if (!_inSession)
        {
            return 0;
        }

        var now = _clock.NowNs;
        _idleSinceNs = _idleSinceNs < 0 ? now : _idleSinceNs;
        if (now - _idleSinceNs < IdleNsMin)
        {
            return 0;
        }

        _inSession = false;
        Ended++;
        Leak ??= _target.FindUnreleased().FirstOrDefault();
        var ns = _target.Controller.Namespace;
        ns.Zero(0, ns.CapacityBytes);
        _note($"host session {Ended} ended: target idle for {IdleNsMin / 1e9:0.#} s; namespace deallocated for the next host");
        return 1;
    }
}
