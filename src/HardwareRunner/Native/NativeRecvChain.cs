using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Preallocated native <c>ibv_recv_wr</c>/<c>ibv_sge</c> arrays of a QP's receive queue or an SRQ (see
/// <see cref="NativeSendChain"/>).
/// </summary>
internal sealed unsafe class NativeRecvChain
{
    /// <summary>WRs per native chain.</summary>
    public const int ChainMax = 64;

    private readonly SafeNativeMemoryHandle _memory;
    private readonly IbvRecvWr* _wrs;
    private readonly IbvSge* _sges;

    public NativeRecvChain(NativeResourceTracker resources, uint maxSge)
    {
        MaxSge = (int)Math.Clamp(maxSge, 1, VerbsLimits.SgeCountMax);
        var bytes = (nuint)(ChainMax * (sizeof(IbvRecvWr) + (MaxSge * sizeof(IbvSge))));
        _memory = resources.Add(SafeNativeMemoryHandle.Allocate(bytes, 64));
        _wrs = (IbvRecvWr*)_memory.Pointer;
        _sges = (IbvSge*)(_wrs + ChainMax);
    }

    public int MaxSge { get; }

    public IbvRecvWr* First => _wrs;

    internal SafeNativeMemoryHandle Memory => _memory;

    /// <summary>As <see cref="NativeSendChain.Fill"/>.</summary>
    public int Fill(ReadOnlySpan<RecvWorkRequest> wrs, out bool invalid)
    {
        invalid = false;
        var n = Math.Min(wrs.Length, ChainMax);
        for (var i = 0; i < n; i++)
        {
            ref readonly var wr = ref wrs[i];
            if (wr.NumSge < 0 || wr.NumSge > MaxSge)
            {
                invalid = true;
                n = i;
                break;
            }

            var sges = _sges + (i * MaxSge);
            for (var j = 0; j < wr.NumSge; j++)
            {
                sges[j] = new IbvSge { Addr = wr.SgList[j].Addr, Length = wr.SgList[j].Length, Lkey = wr.SgList[j].Lkey };
            }

            var w = _wrs + i;
            w->WrId = wr.WrId;
            w->Next = w + 1;
            w->SgList = wr.NumSge > 0 ? sges : null;
            w->NumSge = wr.NumSge;
        }

        if (n > 0)
        {
            _wrs[n - 1].Next = null;
        }

        return n;
    }

    public int IndexOf(IbvRecvWr* bad) => bad == null ? 0 : (int)(bad - _wrs);
}
