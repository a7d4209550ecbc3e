using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>Accessors of one intrusive link field (what <c>STAILQ_ENTRY(...) field</c> names in C).</summary>
public interface IStailqLink<T>
    where T : class
{
    static abstract T? GetNext(T element);

    static abstract void SetNext(T element, T? next);

    /// <summary>Bookkeeping for the checker only: which queue the element was last inserted into (not used by the list).</summary>
    static abstract StailqId GetOwner(T element);

    static abstract void SetOwner(T element, StailqId owner);
}

/// <summary>Identity of a queue, for messages: its name and the object that owns it.</summary>
public readonly record struct StailqId(string Name, object? Owner)
{
    public static StailqId None => default;

    public bool IsNone => Name == null;

    /// <summary>
    /// Same queue: the same owner object and name. Owners are compared by reference (no owner type defines equality),
    /// which spares every insert, removal and oracle check a virtual <see cref="object.Equals(object)"/> call.
    /// </summary>
    public bool Equals(StailqId other) => ReferenceEquals(Owner, other.Owner) && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Owner);

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "(none)" : $"{Name} of {Owner}";
}

/// <summary>
/// BSD <c>STAILQ</c>: a singly-linked tail queue whose link lives in the element. Several queues may share one link
/// field (as SPDK's request <c>state_link</c> is shared by five queues), so inserting an element that is still linked
/// elsewhere really overwrites its link and corrupts the other queue, exactly as in C. The always-on check after each
/// insert reports that at once, naming the element, both queues and the element's description.
/// </summary>
public sealed partial class Stailq<T, TLink>
    where T : class
    where TLink : IStailqLink<T>
{
    /// <summary>Longest walk before a list is declared corrupted (a cycle).</summary>
    public const int WalkStepsMax = 1 << 20;

    private T? _last;

    public Stailq(string name, object? owner) => Id = new StailqId(name, owner);

    public StailqId Id { get; }

    public T? First { get; private set; }

    public bool IsEmpty => First == null;

    /// <summary><c>STAILQ_LAST</c>.</summary>
    public T? Last => _last;

    /// <summary>Describes an element in violation messages (state, index…); set by the owner.</summary>
    public Func<T, string>? Describe { get; init; }

    /// <summary><c>STAILQ_INSERT_TAIL</c>.</summary>
    public void InsertTail(T element)
    {
        var previousOwner = TLink.GetOwner(element);
        TLink.SetNext(element, null);
        if (_last == null)
        {
            First = element;
        }
        else
        {
            TLink.SetNext(_last, element);
        }

        _last = element;
        Linked(element, previousOwner);
    }

    /// <summary><c>STAILQ_INSERT_HEAD</c>.</summary>
    public void InsertHead(T element)
    {
        var previousOwner = TLink.GetOwner(element);
        TLink.SetNext(element, First);
        if (First == null)
        {
            _last = element;
        }

        First = element;
        Linked(element, previousOwner);
    }

    /// <summary><c>STAILQ_REMOVE_HEAD</c>.</summary>
    public T RemoveHead()
    {
        var head = First;
        Check.That(head != null, InvariantNames.QueueIntegrity, Id, id => $"STAILQ_REMOVE_HEAD on empty {id}");
        First = TLink.GetNext(head!);
        if (First == null)
        {
            _last = null;
        }

        Unlinked(head!);
        return head!;
    }

    /// <summary><c>STAILQ_REMOVE</c>: unlinks <paramref name="element"/>, which must be in this queue.</summary>
    public void Remove(T element)
    {
        if (First == element)
        {
            RemoveHead();
            return;
        }

        var current = First;
        var steps = 0;
        while (current != null && TLink.GetNext(current) != element)
        {
            current = TLink.GetNext(current);
            Check.That(++steps < WalkStepsMax, InvariantNames.QueueIntegrity, Id, id => $"{id} has a cycle");
        }

        // In C this walk runs off the end and dereferences NULL: a segfault. Here it is reported.
        Check.That(current != null, InvariantNames.QueueIntegrity, (Id, element, Describe),
            s => $"STAILQ_REMOVE of {Name(s.Describe, s.element)} which is not in {s.Id} (C would dereference NULL here)");
        TLink.SetNext(current!, TLink.GetNext(element));
        if (TLink.GetNext(current!) == null)
        {
            _last = current;
        }

        Unlinked(element);
    }

    /// <summary>True when <paramref name="element"/> is reachable from the head (bounded walk).</summary>
    public bool Contains(T element)
    {
        var steps = 0;
        for (var e = First; e != null && steps < WalkStepsMax; e = TLink.GetNext(e), steps++)
        {
            if (e == element)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Number of elements reachable from the head; throws on a cycle.</summary>
    public int Count()
    {
        var n = 0;
        for (var e = First; e != null; e = TLink.GetNext(e))
        {
            Check.That(++n < WalkStepsMax, InvariantNames.QueueIntegrity, Id, id => $"{id} has a cycle");
        }

        return n;
    }

    /// <summary>The element after <paramref name="element"/> (for <c>STAILQ_FOREACH_SAFE</c>-style walks).</summary>
    public static T? Next(T element) => TLink.GetNext(element);

    /// <inheritdoc/>
    public override string ToString() => Id.ToString();

    private static string Name(Func<T, string>? describe, T element) => describe?.Invoke(element) ?? element.ToString() ?? "?";

    private void Linked(T element, StailqId previousOwner)
    {
        TLink.SetOwner(element, Id);

        // Inserted again into the queue it is still in: the list now ends at the element (those behind it are cut off)
        // or, if it was the tail, the element links to itself and a walk from the head never ends.
        Check.That(previousOwner != Id, InvariantNames.QueueIntegrity, (this, element),
            s => $"{Name(s.Item1.Describe, s.element)} was inserted into {s.Item1.Id} while still linked in it; " +
                 $"the list now ends at it or, if it was the tail, it links to itself (C's walk never ends)");
        Check.That(previousOwner.IsNone, InvariantNames.RequestInOneQueue, (this, element, previousOwner),
            s => $"{Name(s.Item1.Describe, s.element)} was inserted into {s.Item1.Id} while still linked in {s.previousOwner}; " +
                 $"the shared link now joins both lists");
    }

    private static void Unlinked(T element) => TLink.SetOwner(element, StailqId.None);
}
