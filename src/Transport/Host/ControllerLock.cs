using Harness.Transport.Invariants;

namespace Harness.Transport.Host;

/// <summary>
/// The controller lock (SPDK <c>ctrlr-&gt;ctrlr_lock</c>, a recursive mutex). Owners are logical threads (the admin
/// poller, a poll group), not OS threads, so the same code works when one OS thread runs every reactor (the
/// deterministic simulator) and when each reactor has its own task (Coyote): a different owner never gets in while
/// it is held, the same owner re-enters. Built on <see cref="SemaphoreSlim"/> (no thread affinity, Coyote-controlled).
/// Pollers only <see cref="TryEnter"/>: a thread that finds it taken returns and tries again on its next poll,
/// which is how a reactor "blocks" without blocking.
/// </summary>
public sealed class ControllerLock
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private readonly string _name;
    private object? _owner;
    private int _depth;

    /// <summary>Creates the lock of the controller named <paramref name="name"/> (for messages).</summary>
    public ControllerLock(string name) => _name = name;

    /// <summary>The logical thread holding the lock, or null.</summary>
    public object? Owner => Volatile.Read(ref _owner);

    /// <summary>Times the lock was found taken by another owner.</summary>
    public long Contended { get; private set; }

    /// <summary>Takes the lock for <paramref name="owner"/> if it is free or already <paramref name="owner"/>'s.</summary>
    public bool TryEnter(object owner)
    {
        if (ReferenceEquals(Volatile.Read(ref _owner), owner))
        {
            _depth++;
            return true;
        }

        if (!_semaphore.Wait(0))
        {
            Contended++;
            return false;
        }

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
            Volatile.Write(ref _owner, null);
            _semaphore.Release();
        }
    }

    /// <summary>True when <paramref name="owner"/> holds the lock.</summary>
    public bool IsHeldBy(object owner) => ReferenceEquals(Volatile.Read(ref _owner), owner);

    /// <inheritdoc/>
    public override string ToString() => $"{_name} (held by {Owner?.ToString() ?? "nobody"})";
}
