namespace Harness.Sim.Core;

/// <summary>
/// The reactors that polled one object (a CQ, a CM event channel), as SPDK's interrupt mode registers a thread's
/// fds: when the object changes, each of them is woken; none else is. A reactor is added the first time it polls the
/// object and stays (a reactor that stopped polling it is woken for nothing, which costs one idle poll, never a
/// missed change). The caller holds the world's gate.
/// </summary>
public sealed class Waiters
{
    /// <summary>Reactors one object may wake (every reactor of a world could poll it).</summary>
    public const int WaitersMax = 1024;

    private readonly List<IWaiter> _waiters = new(2);

    /// <summary>Reactors registered.</summary>
    public int Count => _waiters.Count;

    /// <summary>Registers the reactor polling now (<see cref="SimWorld.CurrentWaiter"/>), if any and not yet registered.</summary>
    public void Watch(SimWorld world)
    {
        var waiter = world.CurrentWaiter;
        if (waiter == null)
        {
            return; // a NIC, fabric or CM event, or a thread of its own (Coyote): nothing parks on it
        }

        for (var i = 0; i < _waiters.Count; i++)
        {
            if (ReferenceEquals(_waiters[i], waiter))
            {
                return;
            }
        }

        Nic.SimCheck.That(_waiters.Count < WaitersMax, world, "waiters", waiter, "more reactors poll one object than WaitersMax");

        _waiters.Add(waiter);
    }

    /// <summary>The object changes at <paramref name="timeNs"/>: every registered reactor polls it then.</summary>
    public void Wake(long timeNs)
    {
        for (var i = 0; i < _waiters.Count; i++)
        {
            _waiters[i].WakeAt(timeNs);
        }
    }
}
