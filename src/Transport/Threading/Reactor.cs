namespace Harness.Transport.Threading;

/// <summary>
/// A poller, as in SPDK: a non-blocking function a reactor calls repeatedly. Returns how much work it did
/// (0 = idle), which lets a reactor (or the simulator) know when it may sleep.
/// </summary>
public interface IPoller
{
    string Name { get; }

    int Poll();
}

/// <summary>
/// An SPDK-style thread: runs its pollers in turn, never blocks. The simulator runs reactors in virtual time;
/// the native backend and Coyote tests run each on its own task.
/// </summary>
public interface IReactor
{
    string Name { get; }

    void AddPoller(IPoller poller);

    void RemovePoller(IPoller poller);
}

/// <summary>Creates reactors on the active backend.</summary>
public interface IReactorRuntime
{
    IReactor CreateReactor(string name);
}
