using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// One I/O qpair as <see cref="NvmeRdmaHostDriver"/> supervises it across reconnects and controller re-attaches: the
/// current <see cref="NvmeRdmaQpair"/>, the reconnect bookkeeping, and one preallocated completion context per command
/// tag (so submitting does not allocate).
/// </summary>
internal sealed class HostQpairSlot
{
    /// <summary>No reconnect is scheduled.</summary>
    public const long NoReconnect = -1;

    public HostQpairSlot(NvmeRdmaHostDriver driver, int index, int tags)
    {
        Index = index;
        Contexts = new IoContext[tags];
        for (var i = 0; i < tags; i++)
        {
            Contexts[i] = new IoContext(driver, this, (ulong)i);
        }
    }

    /// <summary>0-based index (qid = index + 1 on the first controller).</summary>
    public int Index { get; }

    /// <summary>The qpair of the current controller (null before it is ready, or after it was deleted).</summary>
    public NvmeRdmaQpair? Qpair { get; set; }

    public IoContext[] Contexts { get; }

    /// <summary>Failures since the qpair last reached RUNNING.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Reconnects asked for in the run.</summary>
    public int Reconnects { get; set; }

    /// <summary>When the scheduled reconnect is due, or <see cref="NoReconnect"/>.</summary>
    public long ReconnectAtNs { get; set; } = NoReconnect;

    /// <summary>A connect was asked for and the qpair has not started it yet (its ConnectAttempts is still <see cref="AttemptsAtRequest"/>).</summary>
    public bool AwaitingConnect { get; set; }

    public int AttemptsAtRequest { get; set; }

    /// <summary>The qpair's <see cref="NvmeRdmaQpair.Connects"/> already counted.</summary>
    public int ConnectsSeen { get; set; }

    /// <summary>The qpair's <see cref="NvmeRdmaQpair.CmEventTimeouts"/> already counted.</summary>
    public int CmEventTimeoutsSeen { get; set; }

    /// <summary>The driver gave the qpair up (its reconnect budget is spent, or the controller is gone).</summary>
    public bool GaveUp { get; set; }

    /// <summary>Commands completed ABORTED - SQ DELETION (written on the qpair's thread, read by the admin thread).</summary>
    public long Aborted;

    /// <summary>Remembers that a connect was asked for <paramref name="qpair"/> now.</summary>
    public void ExpectConnect(NvmeRdmaQpair qpair)
    {
        AwaitingConnect = true;
        AttemptsAtRequest = qpair.ConnectAttempts;
        ReconnectAtNs = NoReconnect;
    }

    /// <summary>A new qpair (first attach or a re-attach): nothing of the old one's bookkeeping carries over but the budget.</summary>
    public void Adopt(NvmeRdmaQpair qpair)
    {
        Qpair = qpair;
        ConnectsSeen = 0;
        CmEventTimeoutsSeen = 0;
        ConsecutiveFailures = 0;
        ExpectConnect(qpair);
    }
}

/// <summary>The completion context of one command tag of one slot (the callback's <c>context</c>).</summary>
internal sealed class IoContext(NvmeRdmaHostDriver driver, HostQpairSlot slot, ulong tag)
{
    public NvmeRdmaHostDriver Driver { get; } = driver;

    public HostQpairSlot Slot { get; } = slot;

    public ulong Tag { get; } = tag;

    /// <summary>A command with this tag was accepted and has not completed.</summary>
    public bool InFlight { get; set; }

    /// <summary>Halves of a compare-and-write still to complete (0 for a plain command).</summary>
    public int FusedHalvesLeft { get; set; }

    /// <summary>The Compare half's completion arrived.</summary>
    public bool CompareDone { get; set; }

    /// <summary>The Compare half's completion.</summary>
    public NvmeCompletion Compare { get; set; }

    /// <summary>The Write half's completion (or, when it was never sent, ABORTED - FAILED FUSED).</summary>
    public NvmeCompletion Write { get; set; }

    /// <summary>The Write half's completion arrived or it was never sent.</summary>
    public bool WriteDone { get; set; }

    /// <summary>The Write half went on the wire right after the Compare.</summary>
    public bool WriteSent { get; set; }
}
