namespace Harness.Sim.Core;

/// <summary>
/// The world's event queue: a 4-ary min-heap ordered by (time, sequence), with <em>timers</em> — an event slot that
/// can be moved to another time while it waits, in place, instead of being left behind as a stale event. Insert,
/// remove-min and moving a timer are O(log n); peeking is O(1). Entries are structs in one array that grows by doubling
/// (a steady state allocates nothing). A reactor's wake-up is a timer: before, every park-and-wake left one superseded
/// event in the queue for up to a millisecond of virtual time, and the heap grew to hundreds of thousands of them.
/// </summary>
internal sealed class EventQueue
{
    /// <summary>Children per heap node: a shallower heap than a binary one, and each node's children share cache lines.</summary>
    private const int Arity = 4;

    /// <summary>Entries the queue may hold (a runaway-scheduling guard far above any simulation's needs).</summary>
    private const int CountMax = 1 << 28;

    private const int NoTimer = -1;
    private Entry[] _heap = new Entry[1024];
    private int[] _timerIndex = new int[64];
    private int _timers;

    /// <summary>Events waiting.</summary>
    public int Count { get; private set; }

    /// <summary>A new timer, not scheduled. Timers live as long as the queue.</summary>
    public int NewTimer()
    {
        if (_timers == _timerIndex.Length)
        {
            Array.Resize(ref _timerIndex, _timers * 2);
        }

        _timerIndex[_timers] = -1;
        return _timers++;
    }

    /// <summary>True when <paramref name="timer"/> waits in the queue.</summary>
    public bool IsScheduled(int timer) => _timerIndex[timer] >= 0;

    /// <summary>Adds a one-shot event.</summary>
    public void Enqueue(in SimEvent ev, EventKey key) => Insert(new Entry(key, ev, NoTimer));

    /// <summary>
    /// Schedules <paramref name="timer"/> with <paramref name="ev"/> at <paramref name="key"/>: inserted when it is not
    /// waiting, moved (up or down) when it is. Ordering is as if the earlier schedule had been cancelled.
    /// </summary>
    public void Schedule(int timer, in SimEvent ev, EventKey key)
    {
        var index = _timerIndex[timer];
        if (index < 0)
        {
            Insert(new Entry(key, ev, timer));
            return;
        }

        var earlier = key.CompareTo(_heap[index].Key) < 0;
        _heap[index] = new Entry(key, ev, timer);
        if (earlier)
        {
            SiftUp(index);
        }
        else
        {
            SiftDown(index);
        }
    }

    /// <summary>The next event's key, without removing it.</summary>
    public bool TryPeek(out EventKey key)
    {
        if (Count == 0)
        {
            key = default;
            return false;
        }

        key = _heap[0].Key;
        return true;
    }

    /// <summary>Removes the next event (a timer that fires is no longer scheduled).</summary>
    public bool TryDequeue(out SimEvent ev, out EventKey key)
    {
        if (Count == 0)
        {
            ev = default;
            key = default;
            return false;
        }

        ref var root = ref _heap[0];
        ev = root.Event;
        key = root.Key;
        if (root.Timer != NoTimer)
        {
            _timerIndex[root.Timer] = -1;
        }

        var last = --Count;
        if (last > 0)
        {
            _heap[0] = _heap[last];
            _heap[last] = default; // drop the target reference
            if (_heap[0].Timer != NoTimer)
            {
                _timerIndex[_heap[0].Timer] = 0;
            }

            SiftDown(0);
        }
        else
        {
            _heap[0] = default;
        }

        return true;
    }

    /// <summary>Appends <paramref name="entry"/> and sifts it up (Place keeps a timer's index right).</summary>
    private void Insert(in Entry entry)
    {
        if (Count == _heap.Length)
        {
            Grow();
        }

        var index = Count++;
        _heap[index] = entry;
        SiftUp(index);
    }

    private void Grow()
    {
        if (_heap.Length >= CountMax)
        {
            throw new InvalidOperationException($"event queue: more than {CountMax} events waiting (runaway scheduling?)");
        }

        Array.Resize(ref _heap, _heap.Length * 2);
    }

    private void SiftUp(int index)
    {
        var moving = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / Arity;
            if (moving.Key.CompareTo(_heap[parent].Key) >= 0)
            {
                break;
            }

            Place(index, _heap[parent]);
            index = parent;
        }

        Place(index, moving);
    }

    private void SiftDown(int index)
    {
        var moving = _heap[index];
        while (true)
        {
            var first = (index * Arity) + 1;
            if (first >= Count)
            {
                break;
            }

            var best = first;
            var end = Math.Min(first + Arity, Count);
            for (var child = first + 1; child < end; child++)
            {
                if (_heap[child].Key.CompareTo(_heap[best].Key) < 0)
                {
                    best = child;
                }
            }

            if (_heap[best].Key.CompareTo(moving.Key) >= 0)
            {
                break;
            }

            Place(index, _heap[best]);
            index = best;
        }

        Place(index, moving);
    }

    private void Place(int index, in Entry entry)
    {
        _heap[index] = entry;
        if (entry.Timer != NoTimer)
        {
            _timerIndex[entry.Timer] = index;
        }
    }

    private readonly record struct Entry(EventKey Key, SimEvent Event, int Timer);
}
