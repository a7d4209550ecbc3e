using Harness.Transport.Nvme;

namespace Harness.Transport.Nvmf;

/// <summary>
/// Property Get/Set (SPDK's <c>nvmf_property_get</c>/<c>_set</c>, <c>nvmf_prop_set_cc</c>): CAP, VS, CC, CSTS, NSSR,
/// CRTO. A size or offset that names no supported property is answered, as SPDK does, with INVALID PARAM (01/82).
/// </summary>
public sealed partial class NvmfTarget
{
    /// <summary>CAP.TO: worst-case CSTS.RDY transition, 500 ms units (SPDK: NVMF_CTRLR_RESET_SHN_TIMEOUT_IN_MS / 500).</summary>
    public const byte ReadyTimeout500Ms = 30;

    /// <summary>CAP.CRMS bit 59 (CRWMS): Controller Ready With Media Support, which SPDK sets for NVMe 2.0.</summary>
    private const ulong CapCrwmsBit = 1UL << 59;

    /// <summary>CAP.CSS bit 0: NVM command set.</summary>
    private const byte CssNvm = 0x01;

    /// <summary>Largest CC.CSS SPDK accepts (6: all supported I/O command sets).</summary>
    private const byte CcCssMax = 6;

    private const byte ShnNone = 0;
    private const byte ShnReserved = 3;
    private const byte ShstOccurring = 1;
    private const byte ShstComplete = 2;

    private static ControllerCapabilities BuildCapabilities(NvmfTargetOptions options) => new()
    {
        Mqes = (ushort)(options.QueueDepthMax - 1),
        Cqr = true,
        Timeout = ReadyTimeout500Ms,
        Css = CssNvm,
        Mpsmin = 0,
        Mpsmax = 0,
    };

    private NvmfResult PropertyGet(NvmfController controller, in NvmeCommand cmd)
    {
        var status = PropertyGetCommand.TryFrom(cmd, out var get);
        if (status.IsError)
        {
            return status; // size other than 4/8 bytes: INVALID PARAM
        }

        if (!TryLocateProperty(get.Offset, get.SizeInBytes, out var property, out var upperHalf))
        {
            return NvmeStatus.ConnectInvalidParameters;
        }

        var value = ReadProperty(controller, property);
        if (get.SizeInBytes == 4)
        {
            value = upperHalf ? value >> 32 : value & uint.MaxValue;
        }

        return NvmfResult.Value(value);
    }

    private NvmfResult PropertySet(NvmfController controller, in NvmeCommand cmd)
    {
        var status = PropertySetCommand.TryFrom(cmd, out var set);
        if (status.IsError)
        {
            return status;
        }

        if (!TryLocateProperty(set.Offset, set.SizeInBytes, out var property, out _))
        {
            return NvmeStatus.ConnectInvalidParameters;
        }

        var accepted = property switch
        {
            NvmeProperty.Cc => SetCc(controller, ControllerConfiguration.FromRaw((uint)set.Value)),
            NvmeProperty.Csts => ClearNssro(controller, (uint)set.Value),
            _ => false, // CAP, VS, CRTO are read-only; NSSR needs CAP.NSSRS, which is 0
        };
        return accepted ? NvmfResult.Ok : NvmeStatus.ConnectInvalidParameters;
    }

    /// <summary>
    /// A supported property at exactly <paramref name="offset"/> no smaller than <paramref name="size"/>, or the upper
    /// half of an 8-byte property read or written as 4 bytes.
    /// </summary>
    private static bool TryLocateProperty(uint offset, int size, out uint property, out bool upperHalf)
    {
        property = offset;
        upperHalf = false;
        if (IsSupportedProperty(offset) && NvmeProperty.SizeOf(offset) >= size)
        {
            return true;
        }

        property = offset - 4;
        upperHalf = true;
        return size == 4 && offset >= 4 && IsSupportedProperty(property) && NvmeProperty.SizeOf(property) == 8;
    }

    private static bool IsSupportedProperty(uint offset) =>
        offset is NvmeProperty.Cap or NvmeProperty.Vs or NvmeProperty.Cc or NvmeProperty.Csts or NvmeProperty.Nssr or NvmeProperty.Crto;

    private ulong ReadProperty(NvmfController controller, uint property) => property switch
    {
        NvmeProperty.Cap => Capabilities.ToRaw() | CapCrwmsBit,
        NvmeProperty.Vs => Version.ToRaw(),
        NvmeProperty.Cc => controller.Cc.ToRaw(),
        NvmeProperty.Csts => controller.Csts.ToRaw(),
        NvmeProperty.Crto => ReadyTimeout500Ms, // CRWMT = CAP.TO, as SPDK
        _ => 0, // NSSR reads as 0
    };

    /// <summary>
    /// SPDK's <c>nvmf_prop_set_cc</c>, validating before acting: AMS or MPS changes, CSS above 6 and the reserved
    /// SHN value are refused (nothing changes); IOSQES/IOCQES/CSS are stored; EN 0→1 sets CSTS.RDY; EN 1→0 starts a
    /// reset and SHN normal/abrupt a shutdown, both finishing when the I/O qpairs are gone.
    /// </summary>
    private bool SetCc(NvmfController controller, ControllerConfiguration next)
    {
        var current = controller.Cc;
        if (next.Ams != current.Ams || next.Mps != current.Mps || next.Css > CcCssMax || next.Shn == ShnReserved)
        {
            return false;
        }

        controller.Cc = current with { Css = next.Css, Iosqes = next.Iosqes, Iocqes = next.Iocqes };
        if (next.Enable != current.Enable)
        {
            if (next.Enable)
            {
                Enable(controller);
            }
            else
            {
                BeginReset(controller, NvmfPendingReset.Reset, ShnNone);
            }
        }

        if (next.Shn != current.Shn)
        {
            if (next.Shn == ShnNone)
            {
                controller.Cc = controller.Cc with { Shn = ShnNone };
            }
            else
            {
                BeginReset(controller, NvmfPendingReset.Shutdown, next.Shn);
            }
        }

        return true;
    }

    private static void Enable(NvmfController controller)
    {
        if (controller.PendingReset != NvmfPendingReset.None)
        {
            return; // the host must wait for the reset to finish (CSTS.RDY = 0) first
        }

        controller.Cc = controller.Cc with { Enable = true };
        controller.Csts = controller.Csts with { Ready = true };
    }

    private void BeginReset(NvmfController controller, NvmfPendingReset kind, byte shn)
    {
        if (controller.PendingReset != NvmfPendingReset.None)
        {
            return; // SPDK: "disconnect in progress"
        }

        if (kind == NvmfPendingReset.Reset)
        {
            controller.Cc = controller.Cc with { Enable = false };
        }
        else
        {
            controller.Cc = controller.Cc with { Shn = shn };
            controller.Csts = controller.Csts with { Shst = ShstOccurring };
            controller.KeepAliveStopped = true; // "from the time a shutdown is initiated the controller shall disable Keep Alive"
        }

        controller.PendingReset = kind;
        QueueDisconnect(controller, includeAdmin: false);
        TryCompletePendingReset(controller);
    }

    /// <summary>SPDK's <c>_nvmf_ctrlr_cc_reset_shn_done</c>, once no I/O qpair is left.</summary>
    private static void TryCompletePendingReset(NvmfController controller)
    {
        if (controller.PendingReset == NvmfPendingReset.None || controller.IoQpairCount > 0)
        {
            return;
        }

        if (controller.PendingReset == NvmfPendingReset.Shutdown)
        {
            controller.Csts = controller.Csts with { Shst = ShstComplete };
        }
        else if (!controller.Cc.Enable)
        {
            controller.Cc = default; // only a subset of the registers is cleared on a reset
            controller.Csts = default;
        }

        controller.PendingReset = NvmfPendingReset.None;
    }

    private static bool ClearNssro(NvmfController controller, uint value)
    {
        if (ControllerStatus.FromRaw(value).Nssro)
        {
            controller.Csts = controller.Csts with { Nssro = false }; // the only RW1C bit; the rest is read-only
        }

        return true;
    }
}
