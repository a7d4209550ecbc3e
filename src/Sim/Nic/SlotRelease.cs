namespace Harness.Sim.Nic;

/// <summary>
/// The work-queue slot a completion gives back when it is polled (mlx5 advances the send queue's tail to the polled
/// WQE, and frees a receive or SRQ WQE, inside ibv_poll_cq). A slot of a QP that was reset or destroyed since the
/// completion was written is not given back: that queue no longer exists.
/// </summary>
internal readonly struct SlotRelease
{
    private readonly SimQp? _qp;
    private readonly SimSrq? _srq;
    private readonly long _sqFreeTo;
    private readonly int _epoch;

    private SlotRelease(SimQp? qp, SimSrq? srq, long sqFreeTo, int epoch)
    {
        _qp = qp;
        _srq = srq;
        _sqFreeTo = sqFreeTo;
        _epoch = epoch;
    }

    /// <summary>A send completion: every send slot before <paramref name="freeTo"/> is free once it is polled.</summary>
    public static SlotRelease Send(SimQp qp, long freeTo, int epoch) => new(qp, null, freeTo, epoch);

    /// <summary>A receive completion of the QP's own receive queue.</summary>
    public static SlotRelease Recv(SimQp qp, int epoch) => new(qp, null, -1, epoch);

    /// <summary>A receive completion of <paramref name="qp"/> whose WQE came from a shared receive queue.</summary>
    public static SlotRelease SrqRecv(SimSrq srq, SimQp qp, int epoch) => new(qp, srq, -1, epoch);

    /// <summary>Gives the slot of polled completion <paramref name="wc"/> back (caller holds the gate).</summary>
    public void Apply(in Transport.Verbs.WorkCompletion wc)
    {
        if (_srq != null)
        {
            _srq.ReleasePolled(wc.WrId);
            _qp?.SrqRecvPolled(_epoch);
        }
        else if (_qp != null && _sqFreeTo >= 0)
        {
            _qp.ReleaseSendSlots(_sqFreeTo, _epoch);
        }
        else
        {
            _qp?.ReleaseRecvSlot(_epoch, wc.WrId);
        }
    }
}
