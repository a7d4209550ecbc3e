using Harness.Transport.Invariants;

namespace Harness.Transport.Host;

/// <summary>
/// The controller lock (SPDK <c>ctrlr-&gt;ctrlr_lock</c>, a recursive pthread mutex that every site takes with the
/// blocking <c>nvme_ctrlr_lock</c> / <c>nvme_robust_mutex_lock</c>; SPDK HEAD never try-locks it). Owners are logical
/// threads (the admin poller, a poll group), not OS threads, so the same code works when one OS thread runs every
/// reactor (the deterministic simulator) and when each reactor has its own thread or task (Coyote, hardware): a
/// different owner never gets in while it is held, the same owner re-enters. Built on <see cref="SemaphoreSlim"/> (no
/// thread affinity, Coyote-controlled).
/// <para>
/// <see cref="Enter"/> blocks as HEAD does when the holder runs on another OS thread (so Coyote explores every order
/// of the waiters). When the holder runs on the caller's own OS thread, it is a reactor suspended further up this very
/// stack by a preemption hook (<see cref="IHostInterleaving"/>) in a cooperative run: waiting for it would never end,
/// so <see cref="Enter"/> returns false, the wait is counted in <see cref="Deferred"/>, and the caller abandons its step
/// and does it first thing when its thread runs again — what a thread blocked on the mutex does once the holder
/// releases it (the holder finishes before the hook returns).
/// </para>
/// </summary>
public sealed class ControllerLock
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private readonly string _name;
    private readonly Threading.IMeetingPoints? _meetingPoints;
    private object? _owner;
    private int _ownerThread; // managed thread id of the holder, 0 when free; written by the holder only
    private int _depth;
    private long _contended;
    private long _blocked;
    private long _deferred;

    /// <summary>Creates the lock of the controller named <paramref name="name"/> (for messages).</summary>
    /// <param name="name">For messages.</param>
    /// <param name="meetingPoints">Told before every acquisition by a thread that does not hold it (null: nobody).</param>
    public ControllerLock(string name, Threading.IMeetingPoints? meetingPoints = null)
    {
        _name = name;
        _meetingPoints = meetingPoints;
    }

    /// <summary>The logical thread holding the lock, or null.</summary>
    public object? Owner => Volatile.Read(ref _owner);

    /// <summary>Times the lock was found taken by another owner (the caller then blocked or deferred).</summary>
    public long Contended => Interlocked.Read(ref _contended);

    /// <summary>Times a caller blocked until a holder on another OS thread released the lock.</summary>
    public long Blocked => Interlocked.Read(ref _blocked);

    /// <summary>Times a caller found the lock held by an owner suspended on its own OS thread and deferred its step.</summary>
    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>
    /// SPDK nvme_ctrlr_lock for <paramref name="owner"/>: takes the lock, re-enters it, or waits for it. Returns false
    /// only when the holder is suspended on the caller's OS thread (see the type's remarks): the caller must then do
    /// nothing that needs the lock and retry the same step on its next round.
    /// </summary>
    public bool Enter(object owner)
    {
        if (ReferenceEquals(Volatile.Read(ref _owner), owner))
        {
            Check.That(_depth > 0, InvariantNames.StateTransition, (this, owner),
                s => $"{s.Item1._name}: {s.owner} owns the lock at depth {s.Item1._depth}");
            _depth++;
            return true;
        }

        _meetingPoints?.At(Threading.MeetingPoint.ControllerLock);
        if (!_semaphore.Wait(0))
        {
            Interlocked.Increment(ref _contended);
            if (_ownerThread == Environment.CurrentManagedThreadId)
            {
                Interlocked.Increment(ref _deferred);
                return false;
            }

            Interlocked.Increment(ref _blocked);
            _semaphore.Wait();
        }

        Check.That(_owner == null && _depth == 0, InvariantNames.StateTransition, this,
            l => $"{l._name}: acquired while {l._owner} still holds {l._depth} level(s)");
        _ownerThread = Environment.CurrentManagedThreadId;
        Volatile.Write(ref _owner, owner);
        _depth = 1;
        return true;
    }

    /// <summary>Releases one level held by <paramref name="owner"/>.</summary>
    public void Exit(object owner)
    {
        Check.That(ReferenceEquals(_owner, owner), InvariantNames.StateTransition, (this, owner),
            s => $"{s.Item1._name}: released by {s.owner}, but held by {s.Item1._owner?.ToString() ?? "nobody"}");
        if (--_depth == 0)
        {
            _ownerThread = 0; // before the release: a later waiter on this OS thread must not see itself as the holder
            Volatile.Write(ref _owner, null);
            _semaphore.Release();
        }
    }

    /// <summary>True when <paramref name="owner"/> holds the lock.</summary>
    public bool IsHeldBy(object owner) => ReferenceEquals(Volatile.Read(ref _owner), owner);

    /// <inheritdoc/>
    public override string ToString() => $"{_name} (held by {Owner?.ToString() ?? "nobody"})";
}
