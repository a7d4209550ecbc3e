using Harness.Sim.Core;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// Virtual time for a world driven by threads. It moves only from event to event, so a timer nobody scheduled as an
/// event (the admin queue's 10 ms poll period) would never come due once the fabric is idle. When nothing happens
/// the fabric's thread lets time pass in <see cref="TickNs"/> steps, at most <see cref="TicksMax"/> times in a row
/// (longer than any host timer the races use); real activity resets the count. After that the world is quiescent
/// for good and every thread may sleep, so a hang still ends in Coyote's deadlock report rather than in endless ticks.
/// </summary>
public sealed class IdleClock : ISimEventTarget
{
    /// <summary>Virtual time one idle tick lets pass: the admin queue's poll period.</summary>
    public const long TickNs = 10_000_000;

    /// <summary>Idle ticks in a row before the world counts as quiescent.</summary>
    public const int TicksMax = 3;

    private readonly SimWorld _world;
    private int _ticks;
    private bool _pending;

    public IdleClock(SimWorld world) => _world = world;

    /// <summary>True once, after the tick event ran (the step that ran it was only time passing).</summary>
    public bool TakeFired()
    {
        var fired = Fired;
        Fired = false;
        return fired;
    }

    /// <summary>Something real happened: the idle budget starts again.</summary>
    public void Reset() => _ticks = 0;

    /// <summary>Schedules one more tick unless one is pending or the budget is spent; true when it did.</summary>
    public bool TryAdvance()
    {
        if (_pending || _ticks >= TicksMax)
        {
            return false;
        }

        _ticks++;
        _pending = true;
        lock (_world.Gate)
        {
            _world.Schedule(TickNs, this, 1);
        }

        return true;
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        _pending = false;
        Fired = true;
    }

    private bool Fired { get; set; }
}
