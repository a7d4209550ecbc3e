using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Address → key translation over registered memory, as SPDK's <c>spdk_rdma_utils_mem_map</c>: a DMA buffer is
/// registered once (on first use) with the controller's PD, and later lookups find its lkey/rkey by address (binary
/// search over the regions sorted by address). Shared by every thread of the controller, so it takes a short lock.
/// </summary>
public sealed class HostMemoryMap
{
    private const AccessFlags Access = AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite;
    private readonly Lock _gate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly List<Region> _regions = new();
    private readonly IProtectionDomain _pd;
    private readonly int _regionsMax;
    private readonly string _name;

    /// <summary>A map over <paramref name="pd"/> holding at most <paramref name="regionsMax"/> regions.</summary>
    public HostMemoryMap(IProtectionDomain pd, int regionsMax, string name)
    {
        _pd = pd;
        _regionsMax = regionsMax;
        _name = name;
    }

    /// <summary>Buffers currently registered.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _regions.Count;
            }
        }
    }

    /// <summary>Registers <paramref name="buffer"/> unless it already is; 0 or the ibv_reg_mr errno (ENOMEM past the bound).</summary>
    public int Register(DmaBuffer buffer)
    {
        lock (_gate)
        {
            var index = Find(buffer.Address);
            if (index >= 0 && _regions[index].Buffer == buffer)
            {
                return Errno.Ok;
            }

            if (_regions.Count >= _regionsMax)
            {
                return Errno.ENOMEM;
            }

            var rc = _pd.RegMr(buffer, buffer.Address, (ulong)buffer.Length, Access, out var mr);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            var region = new Region(buffer.Address, buffer, mr!);
            var at = _regions.BinarySearch(region, RegionComparer.Instance);
            _regions.Insert(at < 0 ? ~at : at, region);
            return Errno.Ok;
        }
    }

    /// <summary>
    /// Keys for [<paramref name="addr"/>, +<paramref name="length"/>) of <paramref name="buffer"/>, registering the buffer
    /// on first use. EINVAL when the range is outside the buffer.
    /// </summary>
    public int Translate(DmaBuffer buffer, ulong addr, ulong length, out uint lkey, out uint rkey)
    {
        lkey = rkey = 0;
        if (addr < buffer.Address || addr - buffer.Address + length > (ulong)buffer.Length)
        {
            return Errno.EINVAL;
        }

        var rc = Register(buffer);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        return Translate(addr, length, out lkey, out rkey);
    }

    /// <summary>Keys for an address range inside one registered buffer; EINVAL when no region covers all of it.</summary>
    public int Translate(ulong addr, ulong length, out uint lkey, out uint rkey)
    {
        lock (_gate)
        {
            lkey = rkey = 0;
            var index = Find(addr);
            if (index < 0)
            {
                return Errno.EINVAL;
            }

            var region = _regions[index];
            if (addr + length > region.Start + (ulong)region.Buffer.Length)
            {
                return Errno.EINVAL;
            }

            lkey = region.Mr.Lkey;
            rkey = region.Mr.Rkey;
            return Errno.Ok;
        }
    }

    /// <summary>Deregisters <paramref name="buffer"/>; ENOENT when it is not registered.</summary>
    public int Unregister(DmaBuffer buffer)
    {
        lock (_gate)
        {
            var index = Find(buffer.Address);
            if (index < 0 || _regions[index].Buffer != buffer)
            {
                return Errno.ENOENT;
            }

            var rc = _regions[index].Mr.Dereg();
            _regions.RemoveAt(index);
            return rc;
        }
    }

    /// <summary>Deregisters everything (controller teardown); checks every deregistration succeeded.</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (var region in _regions)
            {
                var rc = region.Mr.Dereg();
                Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (_name, region, rc),
                    s => $"{s._name}: ibv_dereg_mr of buffer 0x{s.region.Start:x} failed: {Errno.Name(s.rc)}");
            }

            _regions.Clear();
        }
    }

    /// <summary>Index of the region containing <paramref name="addr"/>, or -1 (caller holds the gate).</summary>
    private int Find(ulong addr)
    {
        int lo = 0, hi = _regions.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var r = _regions[mid];
            if (addr < r.Start)
            {
                hi = mid - 1;
            }
            else if (addr >= r.Start + (ulong)r.Buffer.Length)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    private readonly record struct Region(ulong Start, DmaBuffer Buffer, IMemoryRegion Mr);

    private sealed class RegionComparer : IComparer<Region>
    {
        public static readonly RegionComparer Instance = new();

        public int Compare(Region x, Region y) => x.Start.CompareTo(y.Start);
    }
}
