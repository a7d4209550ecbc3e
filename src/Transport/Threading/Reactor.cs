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

    /// <summary>
    /// Another thread changed state this thread's pollers read, without a message or a completion to say so (the
    /// host's controller asking an I/O qpair's thread to disconnect it, a message to a <c>PollerSet</c> run inside this
    /// reactor): a thread that sleeps polls again (SPDK: the eventfd write that wakes a thread in interrupt mode). A
    /// spinning thread has nothing to do. No default: a reactor that wraps another must pass it on.
    /// </summary>
    void Notify();
}

/// <summary>A poller that is itself a thread run inside a reactor's round (<c>PollerSet</c>): told which reactor runs it.</summary>
public interface INestedReactor : IPoller
{
    /// <summary><paramref name="host"/> now runs this poller: messages sent to it notify that reactor.</summary>
    void RunOn(IReactor host);
}

/// <summary>Creates reactors on the active backend.</summary>
public interface IReactorRuntime
{
    IReactor CreateReactor(string name);
}
