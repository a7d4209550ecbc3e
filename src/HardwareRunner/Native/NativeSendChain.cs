using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// A QP's preallocated native <c>ibv_send_wr</c> and <c>ibv_sge</c> arrays: a span of <see cref="SendWorkRequest"/> is
/// copied field by field into a linked chain of up to <see cref="Capacity"/> WRs, so posting never allocates.
/// Longer spans are posted in consecutive chains, which is what one long chain does too (the provider stops at the
/// first WR it cannot take).
/// </summary>
internal sealed unsafe class NativeSendChain
{
    /// <summary>WRs per native chain.</summary>
    public const int ChainMax = 64;

    private readonly SafeNativeMemoryHandle _memory;
    private readonly IbvSendWr* _wrs;
    private readonly IbvSge* _sges;

    public NativeSendChain(NativeResourceTracker resources, uint maxSge)
    {
        MaxSge = (int)Math.Clamp(maxSge, 1, VerbsLimits.SgeCountMax);
        var bytes = (nuint)(ChainMax * (sizeof(IbvSendWr) + (MaxSge * sizeof(IbvSge))));
        _memory = resources.Add(SafeNativeMemoryHandle.Allocate(bytes, 64));
        _wrs = (IbvSendWr*)_memory.Pointer;
        _sges = (IbvSge*)(_wrs + ChainMax);
    }

    /// <summary>SGEs per WR the QP accepts (the QP's max_send_sge, at most <see cref="VerbsLimits.SgeCountMax"/>).</summary>
    public int MaxSge { get; }

    public int Capacity => ChainMax;

    public IbvSendWr* First => _wrs;

    internal SafeNativeMemoryHandle Memory => _memory;

    /// <summary>
    /// Marshals the leading WRs of <paramref name="wrs"/> (at most <see cref="Capacity"/>) and returns how many;
    /// <paramref name="invalid"/> is set when it stopped at a WR whose SGE count the QP cannot take (EINVAL there).
    /// </summary>
    public int Fill(ReadOnlySpan<SendWorkRequest> wrs, out bool invalid)
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
            w->Opcode = (int)wr.Opcode;
            w->SendFlags = (uint)wr.Flags;
            w->ImmData = wr.InvalidateRkeyOrImm;
            w->RemoteAddr = wr.RemoteAddr;
            w->Rkey = wr.Rkey;
        }

        if (n > 0)
        {
            _wrs[n - 1].Next = null;
        }

        return n;
    }

    /// <summary>Index in the chain of the WR <c>bad_wr</c> points at (0 when the provider left it NULL).</summary>
    public int IndexOf(IbvSendWr* bad) => bad == null ? 0 : (int)(bad - _wrs);
}
