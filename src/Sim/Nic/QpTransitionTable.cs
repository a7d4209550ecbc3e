using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// Legal RC QP state transitions and the attributes each requires or allows, as the kernel's
/// <c>ib_modify_qp_is_ok</c> table has them for RC. Any state may go to RESET, and any state but RESET to ERR
/// (the kernel's table has no RESET -> ERR entry, so ibv_modify_qp returns EINVAL for it).
/// </summary>
public static class QpTransitionTable
{
    private const QpAttrMask RtrRequired = QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.DestQpn | QpAttrMask.RqPsn |
        QpAttrMask.MaxDestRdAtomic | QpAttrMask.MinRnrTimer;

    private const QpAttrMask RtsRequired = QpAttrMask.SqPsn | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry |
        QpAttrMask.MaxQpRdAtomic;

    private const QpAttrMask RtsOptional = QpAttrMask.CurState | QpAttrMask.AltPath | QpAttrMask.AccessFlags |
        QpAttrMask.MinRnrTimer | QpAttrMask.PathMigState;

    /// <summary>
    /// Checks a transition: 0 if <paramref name="from"/> → <paramref name="to"/> is legal with <paramref name="mask"/>
    /// (the State bit excluded), else EINVAL with the reason.
    /// </summary>
    public static int Check(QpState from, QpState to, QpAttrMask mask, out string reason)
    {
        mask &= ~QpAttrMask.State;
        if (to is QpState.Reset || (to == QpState.Err && from != QpState.Reset))
        {
            return Allow(mask, QpAttrMask.None, QpAttrMask.None, from, to, out reason);
        }

        return (from, to) switch
        {
            (QpState.Reset, QpState.Init) => Allow(mask, QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags, QpAttrMask.None, from, to, out reason),
            (QpState.Init, QpState.Init) => Allow(mask, QpAttrMask.None, QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags, from, to, out reason),
            (QpState.Init, QpState.Rtr) => Allow(mask, RtrRequired, QpAttrMask.AltPath | QpAttrMask.AccessFlags | QpAttrMask.PkeyIndex, from, to, out reason),
            (QpState.Rtr, QpState.Rts) => Allow(mask, RtsRequired, RtsOptional, from, to, out reason),
            (QpState.Rts, QpState.Rts) => Allow(mask, QpAttrMask.None, RtsOptional, from, to, out reason),
            (QpState.Rts, QpState.Sqd) => Allow(mask, QpAttrMask.None, QpAttrMask.EnSqdAsyncNotify, from, to, out reason),
            (QpState.Sqd, QpState.Rts) => Allow(mask, QpAttrMask.None, RtsOptional, from, to, out reason),
            (QpState.Sqd, QpState.Sqd) => Allow(mask, QpAttrMask.None, QpAttrMask.Port | QpAttrMask.Av | QpAttrMask.AltPath | QpAttrMask.AccessFlags |
                QpAttrMask.PkeyIndex | QpAttrMask.MinRnrTimer | QpAttrMask.PathMigState | QpAttrMask.MaxQpRdAtomic |
                QpAttrMask.MaxDestRdAtomic | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry, from, to, out reason),
            (QpState.Sqe, QpState.Rts) => Allow(mask, QpAttrMask.None, QpAttrMask.None, from, to, out reason),
            _ => Fail($"{from.ToName()} -> {to.ToName()} is not a legal RC transition", out reason),
        };
    }

    private static int Allow(QpAttrMask mask, QpAttrMask required, QpAttrMask optional, QpState from, QpState to, out string reason)
    {
        var missing = required & ~mask;
        if (missing != QpAttrMask.None)
        {
            return Fail($"{from.ToName()} -> {to.ToName()} requires {missing}", out reason);
        }

        var extra = mask & ~(required | optional);
        if (extra != QpAttrMask.None)
        {
            return Fail($"{from.ToName()} -> {to.ToName()} does not allow {extra}", out reason);
        }

        reason = string.Empty;
        return Errno.Ok;
    }

    private static int Fail(string why, out string reason)
    {
        reason = why;
        return Errno.EINVAL;
    }
}
