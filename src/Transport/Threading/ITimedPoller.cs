namespace Harness.Transport.Threading;

/// <summary>
/// A poller whose work can also come from time passing (a deadline, a timeout, a period), not only from a completion,
/// a CM event or a message: it says when it next needs to run if nothing else happens, as SPDK's timed pollers keep
/// their <c>next_run_tick</c> and a thread in interrupt mode arms a timerfd for the earliest one. A simulated reactor
/// whose pollers found nothing to do sleeps until then (or until one of the objects it polled changes); a native
/// reactor spins and never asks.
/// </summary>
public interface ITimedPoller : IPoller
{
    /// <summary>No deadline: only a completion, an event or a message can give the poller work.</summary>
    const long Never = long.MaxValue;

    /// <summary>
    /// The earliest virtual or monotonic time (the reactor's clock, ns) at which a poll may find work that nothing else
    /// announces, or <see cref="Never"/>. Asked after a round in which no poller did work; earlier than needed is only
    /// a wasted poll, later is a missed deadline (the simulator reports those: wake-up-announced).
    /// </summary>
    long NextRunNs { get; }
}
