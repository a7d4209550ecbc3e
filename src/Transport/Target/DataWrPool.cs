using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>
/// The transport's pool of extra data WRs (SPDK's <c>data_wr_pool</c>): multi-WR transfers take <c>num_wrs - 1</c>
/// from it. Preallocated; taking and returning never allocates.
/// </summary>
public sealed class DataWrPool
{
    private readonly Stack<RdmaDataWr> _free;

    public DataWrPool(int capacity)
    {
        Capacity = capacity;
        _free = new Stack<RdmaDataWr>(capacity);
        for (var i = 0; i < capacity; i++)
        {
            _free.Push(new RdmaDataWr());
        }
    }

    public int Capacity { get; }

    public int Available => _free.Count;

    /// <summary>Gives <paramref name="req"/> WRs 1..<paramref name="numWrs"/>-1 from the pool, all or none.</summary>
    public bool TryTake(RdmaRequest req, int numWrs)
    {
        Check.That(numWrs is >= 1 and <= RdmaRequest.DataWrsMax, InvariantNames.DepthCounters, (req, numWrs), s => $"{s.req} needs {s.numWrs} data WRs");
        if (numWrs - 1 > _free.Count)
        {
            return false;
        }

        for (var i = 1; i < numWrs; i++)
        {
            Check.That(req.Wrs[i] == null, InvariantNames.NoLeakOnDestroy, (req, i), s => $"{s.req} already holds data WR {s.i}");
            req.Wrs[i] = _free.Pop();
        }

        return true;
    }

    /// <summary>Returns every pooled WR the request holds (the embedded one stays).</summary>
    public void Return(RdmaRequest req)
    {
        for (var i = 1; i < RdmaRequest.DataWrsMax && req.Wrs[i] != null; i++)
        {
            Check.That(_free.Count < Capacity, InvariantNames.NoLeakOnDestroy, Capacity, c => $"data WR pool got more than its {c} WRs back (double return)");
            _free.Push(req.Wrs[i]!);
            req.Wrs[i] = null;
        }
    }
}
