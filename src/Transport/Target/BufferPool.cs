using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// Shared data buffers (SPDK's iobuf pool): <see cref="Count"/> buffers of <see cref="BufferSize"/> bytes carved from
/// one registered DMA region. Getting is all-or-nothing, as a request needs all its buffers to proceed.
/// </summary>
public sealed class BufferPool
{
    private readonly Stack<int> _free;
    private readonly bool[] _inUse;

    public BufferPool(DmaBuffer memory, IMemoryRegion mr, int bufferSize, int count)
    {
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

    public DmaBuffer Memory { get; }

    public IMemoryRegion Mr { get; }

    public int BufferSize { get; }

    public int Count { get; }

    public int Available => _free.Count;

    /// <summary>Set by fault injection: the next gets fail as if the pool were empty (buffer-pool exhaustion).</summary>
    public int ForcedFailures { get; set; }

    /// <summary>Virtual address of buffer <paramref name="index"/>.</summary>
    public ulong AddressOf(int index) => Memory.Address + ((ulong)index * (ulong)BufferSize);

    /// <summary>The CPU's view of buffer <paramref name="index"/>.</summary>
    public Span<byte> Span(int index) => Memory.Span.Slice(index * BufferSize, BufferSize);

    /// <summary>Takes <paramref name="into"/>.Length buffers, or none (false, as iobuf's ENOMEM).</summary>
    public bool TryGet(Span<int> into)
    {
        if (ForcedFailures > 0)
        {
            ForcedFailures--;
            return false;
        }

        if (into.Length > _free.Count)
        {
            return false;
        }

        for (var i = 0; i < into.Length; i++)
        {
            var b = _free.Pop();
            _inUse[b] = true;
            into[i] = b;
        }

        return true;
    }

    /// <summary>Returns buffers.</summary>
    public void Put(ReadOnlySpan<int> buffers)
    {
        foreach (var b in buffers)
        {
            Check.That(_inUse[b], InvariantNames.NoLeakOnDestroy, b, x => $"data buffer {x} returned to the pool twice");
            _inUse[b] = false;
            _free.Push(b);
        }
    }
}
