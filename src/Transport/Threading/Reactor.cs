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
/// An SPDK-style thread: each poll round first runs the messages other threads sent it (at most
/// <see cref="ThreadMessageQueue.MessagesPerPollMax"/>, in the order sent), then its pollers in turn; it never blocks
/// (SPDK lib/thread/thread.c:thread_poll:1120). The simulator runs reactors in virtual time; the native backend and
/// Coyote tests run each on its own task.
/// </summary>
public interface IReactor
{
    string Name { get; }

    void AddPoller(IPoller poller);

    void RemovePoller(IPoller poller);

    /// <summary>
    /// SPDK's <c>spdk_thread_send_msg</c> (thread.c:1416): <paramref name="fn"/>(<paramref name="ctx"/>) runs on this
    /// thread at the start of one of its next poll rounds, after every message sent to it before. Any thread may call
    /// it; a parked reactor is woken. Pass a static function and the context to allocate nothing.
    /// </summary>
    void SendMessage(ThreadMessageFn fn, object? ctx);
}

/// <summary>Creates reactors on the active backend.</summary>
public interface IReactorRuntime
{
    IReactor CreateReactor(string name);
}
