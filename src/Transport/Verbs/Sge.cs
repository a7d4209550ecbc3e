using System.Runtime.CompilerServices;

namespace Harness.Transport.Verbs;

/// <summary>One scatter/gather element, <c>struct ibv_sge</c>: address in registered memory, length, local key.</summary>
public struct Sge
{
    public ulong Addr;
    public uint Length;
    public uint Lkey;

    public Sge(ulong addr, uint length, uint lkey)
    {
        Addr = addr;
        Length = length;
        Lkey = lkey;
    }
}

/// <summary>Fixed-capacity inline SGE list, so a work request is a plain value and posting does not allocate.</summary>
[InlineArray(VerbsLimits.SgeCountMax)]
public struct SgeArray
{
    private Sge _element0;
}
