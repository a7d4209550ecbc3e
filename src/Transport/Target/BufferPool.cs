using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// One iobuf pool (SPDK's per-node <c>small_pool</c> or <c>large_pool</c> ring, lib/thread/iobuf.c): <see cref="Count"/>
/// buffers of <see cref="BufferSize"/> bytes carved from one registered DMA region. Buffers are taken one at a time;
/// who waits for one is the business of the poll group's <see cref="IobufChannel"/>, not of the pool.
/// </summary>
public sealed class BufferPool
{
    private readonly Stack<int> _free;
    private readonly bool[] _inUse;

    public BufferPool(string name, DmaBuffer memory, IMemoryRegion mr, int bufferSize, int count)
    {
        Name = name;
        Memory = memory;
        Mr = mr;
        BufferSize = bufferSize;
        Count = count;
        _inUse = new bool[count];
        _free = new Stack<int>(count);
        for (var i = count - 1; i >= 0; i--)
        {
            _free.Push(i);
        }
    }

    /// <summary>"small" or "large", for messages.</summary>
    public string Name { get; }

    public DmaBuffer Memory { get; }

    public IMemoryRegion Mr { get; }

    public int BufferSize { get; }

    public int Count { get; }

    public int Available => _free.Count;

    /// <summary>
    /// Buffers out of the pool for another iobuf user (SPDK shares the pools with bdev, accel and other modules, whose
    /// puts never serve this transport's waiters): fault injection and tests take them with <see cref="Withhold"/>.
    /// </summary>
    public int Withheld { get; private set; }

    /// <summary>Gets, puts and withholds so far: an oracle that saw the same count knows no buffer moved since.</summary>
    public long Mutations { get; private set; }

    /// <summary>Takes a buffer for another iobuf user (-1 when empty); give it back with <see cref="EndWithhold"/> then a put.</summary>
    public int Withhold()
    {
        var b = TryGetOne();
        Withheld += b >= 0 ? 1 : 0; // counted in Mutations by TryGetOne (nothing moves when it finds the pool empty)
        return b;
    }

    /// <summary>The other user is about to put a withheld buffer back (into the pool or, through a channel, to a waiter).</summary>
    public void EndWithhold(int index)
    {
        Check.That(Withheld > 0 && InUse(index), InvariantNames.BufferConservation, (this, index), s => $"{s.Item1.Name} buffer {s.index} was not withheld");
        Withheld--;
        Mutations++;
    }

    /// <summary>The other iobuf user puts a withheld buffer straight back into the pool (never to this transport's waiters).</summary>
    public void GiveBack(int index)
    {
        EndWithhold(index);
        Put(index);
    }

    /// <summary>Virtual address of buffer <paramref name="index"/>.</summary>
    public ulong AddressOf(int index) => Memory.Address + ((ulong)index * (ulong)BufferSize);

    /// <summary>The CPU's view of buffer <paramref name="index"/>.</summary>
    public Span<byte> Span(int index) => Memory.Range(index * BufferSize, BufferSize);

    /// <summary>Whether buffer <paramref name="index"/> is out of the pool now.</summary>
    public bool InUse(int index) => index >= 0 && index < Count && _inUse[index];

    /// <summary>Whether <paramref name="address"/> lies in this pool's region.</summary>
    public bool Contains(ulong address) => address >= Memory.Address && address < Memory.Address + (ulong)Memory.Length;

    /// <summary><c>spdk_ring_dequeue</c> of one buffer: its index, or -1 when the pool is empty.</summary>
    public int TryGetOne()
    {
        if (_free.Count == 0)
        {
            return -1;
        }

        var b = _free.Pop();
        Check.That(!_inUse[b], InvariantNames.BufferConservation, (this, b), s => $"{s.Item1.Name} buffer {s.b} was free and in use at once");
        _inUse[b] = true;
        Mutations++;
        return b;
    }

    /// <summary>Takes <paramref name="into"/>.Length buffers, or none (snapshot restoration only).</summary>
    public bool TryGet(Span<int> into)
    {
        if (into.Length > _free.Count)
        {
            return false;
        }

        for (var i = 0; i < into.Length; i++)
        {
            into[i] = TryGetOne();
        }

        return true;
    }

    /// <summary><c>spdk_ring_enqueue</c> of one buffer: it must be this pool's and out of it.</summary>
    public void Put(int index)
    {
        Check.That(index >= 0 && index < Count, InvariantNames.BufferConservation, (this, index), s =>
            $"buffer {s.index} put into the {s.Item1.Name} pool of {s.Item1.Count}: not one of its buffers");
        Check.That(_inUse[index], InvariantNames.BufferConservation, (this, index), s => $"{s.Item1.Name} buffer {s.index} returned to the pool twice");
        _inUse[index] = false;
        Mutations++;
        _free.Push(index);
    }
}
