namespace Harness.Transport.Verbs;

/// <summary>Queue pair state, numerically identical to rdma-core's <c>enum ibv_qp_state</c>.</summary>
public enum QpState
{
    Reset = 0,
    Init = 1,
    Rtr = 2,
    Rts = 3,
    Sqd = 4,
    Sqe = 5,
    Err = 6,
    Unknown = 7,
}

/// <summary><c>enum ibv_qp_attr_mask</c>: which fields of <see cref="QpAttr"/> a modify applies.</summary>
[Flags]
public enum QpAttrMask
{
    None = 0,
    State = 1 << 0,
    CurState = 1 << 1,
    EnSqdAsyncNotify = 1 << 2,
    AccessFlags = 1 << 3,
    PkeyIndex = 1 << 4,
    Port = 1 << 5,
    Qkey = 1 << 6,
    Av = 1 << 7,
    PathMtu = 1 << 8,
    Timeout = 1 << 9,
    RetryCnt = 1 << 10,
    RnrRetry = 1 << 11,
    RqPsn = 1 << 12,
    MaxQpRdAtomic = 1 << 13,
    AltPath = 1 << 14,
    MinRnrTimer = 1 << 15,
    SqPsn = 1 << 16,
    MaxDestRdAtomic = 1 << 17,
    PathMigState = 1 << 18,
    Cap = 1 << 19,
    DestQpn = 1 << 20,
}

/// <summary>Names of <see cref="QpState"/> as rdma-core writes them (<c>IBV_QPS_RTS</c> → "RTS").</summary>
public static class QpStateText
{
    /// <summary>The enumerator name without its <c>IBV_QPS_</c> prefix.</summary>
    public static string ToName(this QpState state) => state switch
    {
        QpState.Reset => "RESET",
        QpState.Init => "INIT",
        QpState.Rtr => "RTR",
        QpState.Rts => "RTS",
        QpState.Sqd => "SQD",
        QpState.Sqe => "SQE",
        QpState.Err => "ERR",
        _ => "UNKNOWN",
    };
}
