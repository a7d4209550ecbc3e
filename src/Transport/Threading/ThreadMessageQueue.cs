using Harness.Transport.Invariants;

namespace Harness.Transport.Threading;

/// <summary>SPDK's <c>spdk_msg_fn</c>: a function another thread asked this one to run, with its context.</summary>
public delegate void ThreadMessageFn(object? ctx);

/// <summary>
/// An SPDK thread's message ring (<c>thread-&gt;messages</c>, lib/thread/thread.c): many senders, one consumer (the
/// thread that owns it). <see cref="RunBatch"/> runs at the start of each poll round, before the pollers, at most
/// <see cref="MessagesPerPollMax"/> messages, each taken in the order it was sent (thread.c:thread_poll:1136,
/// msg_queue_run_batch:857). Messages sent while a batch runs wait for the next round, as in SPDK, whose batch is
/// dequeued before any of it runs. Entries are (function, context) pairs in a ring, so a sender that passes a static
/// function allocates nothing; the ring grows by doubling up to <see cref="MessagesMax"/> (SPDK's ring size, whose
/// overflow aborts the process: here an invariant violation).
/// </summary>
public sealed class ThreadMessageQueue
{
    /// <summary>Messages waiting at most (SPDK: <c>spdk_ring_create(..., 65536, ...)</c>, thread.c:564).</summary>
    public const int MessagesMax = 65536;

    /// <summary>Messages one poll round runs at most (SPDK <c>SPDK_MSG_BATCH_SIZE</c>, thread.c:34).</summary>
    public const int MessagesPerPollMax = 8;

    private const int InitialCapacity = 16;

    private readonly Lock _gate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly ThreadMessageFn?[] _batchFns = new ThreadMessageFn?[MessagesPerPollMax];
    private readonly object?[] _batchCtxs = new object?[MessagesPerPollMax];
    private ThreadMessageFn?[] _fns = new ThreadMessageFn?[InitialCapacity];
    private object?[] _ctxs = new object?[InitialCapacity];
    private int _head;
    private int _count;

    /// <summary>
    /// <see cref="_count"/> as last published under the lock, read without it. Deliberately not volatile: under Coyote
    /// every volatile access is a scheduling point, and reactors that never get a message (the host's) must not gain one
    /// per round. A stale zero only delays a message to the next round; the next locked send or take publishes it.
    /// </summary>
    private int _waiting;

    /// <param name="owner">The thread's name (for messages).</param>
    public ThreadMessageQueue(string owner) => Owner = owner;

    /// <summary>The owning thread's name.</summary>
    public string Owner { get; }

    /// <summary>Messages waiting (read without the lock: a sender's message may appear a round later, never lost).</summary>
    public int Waiting => _waiting;

    /// <summary>Messages run so far.</summary>
    public long Ran { get; private set; }

    /// <summary><c>spdk_thread_send_msg</c>: queues <paramref name="fn"/>(<paramref name="ctx"/>) for the owner; any thread may call it.</summary>
    public void Send(ThreadMessageFn fn, object? ctx)
    {
        ArgumentNullException.ThrowIfNull(fn);
        lock (_gate)
        {
            Check.That(_count < MessagesMax, InvariantNames.QueueIntegrity, this, q => $"{q}: message ring full ({MessagesMax}): spdk_thread_send_msg aborts");
            if (_count == _fns.Length)
            {
                Grow();
            }

            var tail = (_head + _count) & (_fns.Length - 1);
            _fns[tail] = fn;
            _ctxs[tail] = ctx;
            _count++;
            _waiting = _count;
        }
    }

    /// <summary>
    /// <c>msg_queue_run_batch</c>: takes up to <see cref="MessagesPerPollMax"/> messages under one lock, then runs them
    /// in order on the calling (owning) thread. Returns how many ran. No allocation.
    /// </summary>
    public int RunBatch()
    {
        if (_waiting == 0)
        {
            return 0; // the common case takes no lock (under Coyote: no scheduling point)
        }

        int taken;
        lock (_gate)
        {
            taken = Math.Min(_count, MessagesPerPollMax);
            for (var i = 0; i < taken; i++)
            {
                _batchFns[i] = _fns[_head];
                _batchCtxs[i] = _ctxs[_head];
                _fns[_head] = null;
                _ctxs[_head] = null;
                _head = (_head + 1) & (_fns.Length - 1);
            }

            _count -= taken;
            _waiting = _count;
        }

        for (var i = 0; i < taken; i++)
        {
            var fn = _batchFns[i]!;
            var ctx = _batchCtxs[i];
            _batchFns[i] = null;
            _batchCtxs[i] = null;
            Ran++;
            fn(ctx);
        }

        Check.That(_waiting <= MessagesMax, InvariantNames.QueueIntegrity, this, q => $"{q}: {q.Waiting} messages waiting");
        return taken;
    }

    /// <inheritdoc/>
    public override string ToString() => $"message queue of thread {Owner} ({_waiting} waiting)";

    private void Grow()
    {
        var size = _fns.Length * 2;
        var fns = new ThreadMessageFn?[size];
        var ctxs = new object?[size];
        for (var i = 0; i < _count; i++)
        {
            var at = (_head + i) & (_fns.Length - 1);
            fns[i] = _fns[at];
            ctxs[i] = _ctxs[at];
        }

        _fns = fns;
        _ctxs = ctxs;
        _head = 0;
    }
}
