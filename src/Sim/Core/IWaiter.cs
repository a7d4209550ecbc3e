namespace Harness.Sim.Core;

/// <summary>
/// Something that sleeps until an object it polled changes: a simulated reactor parked with nothing to do. Objects a
/// poll can observe (CQs, CM event channels) keep their <see cref="Waiters"/> and tell them when they change.
/// </summary>
public interface IWaiter
{
    /// <summary>An object this waiter polled changes at <paramref name="timeNs"/> (now or later): poll again then.</summary>
    void WakeAt(long timeNs);
}
