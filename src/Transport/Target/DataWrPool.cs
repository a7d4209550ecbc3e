using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>
/// The transport's pool of extra data WRs (SPDK's <c>data_wr_pool</c>): multi-WR transfers take <c>num_wrs - 1</c>
/// from it. A WR object is made the first time the pool hands out more than it ever did (SPDK's mempool is one
/// allocation, but 4,095 WR objects nobody uses were most of a race bed's setup); past that high-water mark taking and
/// returning never allocate.
/// </summary>
public sealed class DataWrPool
{
    private readonly Stack<RdmaDataWr> _free;

    public DataWrPool(int capacity)
    {
        Capacity = capacity;
        _free = new Stack<RdmaDataWr>();
    }

    public int Capacity { get; }

    /// <summary>WRs the pool can hand out now: those returned and those never made yet.</summary>
    public int Available => _free.Count + (Capacity - Made);

    /// <summary>WR objects made so far (the high-water mark of WRs out at once).</summary>
    public int Made { get; private set; }

    /// <summary>Gives <paramref name="req"/> WRs 1..<paramref name="numWrs"/>-1 from the pool, all or none.</summary>
    public bool TryTake(RdmaRequest req, int numWrs)
    {
        Check.That(numWrs is >= 1 and <= RdmaRequest.DataWrsMax, InvariantNames.DepthCounters, (req, numWrs), s => $"{s.req} needs {s.numWrs} data WRs");
        if (numWrs - 1 > Available)
        {
            return false;
        }

        for (var i = 1; i < numWrs; i++)
        {
            Check.That(req.Wrs[i] == null, InvariantNames.NoLeakOnDestroy, (req, i), s => $"{s.req} already holds data WR {s.i}");
            req.Wrs[i] = _free.Count > 0 ? _free.Pop() : Make();
        }

        return true;
    }

    /// <summary>Returns every pooled WR the request holds (the embedded one stays).</summary>
    public void Return(RdmaRequest req)
    {
        for (var i = 1; i < RdmaRequest.DataWrsMax && req.Wrs[i] != null; i++)
        {
            Check.That(_free.Count < Made, InvariantNames.NoLeakOnDestroy, Made, c => $"data WR pool got more than the {c} WRs it handed out back (double return)");
            _free.Push(req.Wrs[i]!);
            req.Wrs[i] = null;
        }
    }

    private RdmaDataWr Make()
    {
        Check.That(Made < Capacity, InvariantNames.DepthCounters, Capacity, c => $"data WR pool made more than its {c} WRs");
        Made++;
        return new RdmaDataWr();
    }
}
