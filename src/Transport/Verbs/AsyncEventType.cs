namespace Harness.Transport.Verbs;

/// <summary>Asynchronous event type, numerically identical to rdma-core's <c>enum ibv_event_type</c>.</summary>
public enum AsyncEventType
{
    CqErr = 0,
    QpFatal = 1,
    QpReqErr = 2,
    QpAccessErr = 3,
    CommEst = 4,
    SqDrained = 5,
    PathMig = 6,
    PathMigErr = 7,
    DeviceFatal = 8,
    PortActive = 9,
    PortErr = 10,
    LidChange = 11,
    PkeyChange = 12,
    SmChange = 13,
    SrqErr = 14,
    SrqLimitReached = 15,
    QpLastWqeReached = 16,
    ClientReregister = 17,
    GidChange = 18,
    WqFatal = 19,
}

/// <summary>Text for <see cref="AsyncEventType"/>.</summary>
public static class AsyncEventText
{
    /// <summary>The text <c>ibv_event_type_str</c> prints.</summary>
    public static string ToVerbsString(this AsyncEventType type) => type switch
    {
        AsyncEventType.CqErr => "CQ error",
        AsyncEventType.QpFatal => "local work queue catastrophic error",
        AsyncEventType.QpReqErr => "invalid request local work queue error",
        AsyncEventType.QpAccessErr => "local access violation work queue error",
        AsyncEventType.CommEst => "communication established",
        AsyncEventType.SqDrained => "send queue drained",
        AsyncEventType.PathMig => "path migrated",
        AsyncEventType.PathMigErr => "path migration request error",
        AsyncEventType.DeviceFatal => "local catastrophic error",
        AsyncEventType.PortActive => "port active",
        AsyncEventType.PortErr => "port error",
        AsyncEventType.LidChange => "LID change",
        AsyncEventType.PkeyChange => "P_Key change",
        AsyncEventType.SmChange => "SM change",
        AsyncEventType.SrqErr => "SRQ catastrophic error",
        AsyncEventType.SrqLimitReached => "SRQ limit reached",
        AsyncEventType.QpLastWqeReached => "last WQE reached",
        AsyncEventType.ClientReregister => "client reregistration",
        AsyncEventType.GidChange => "GID table change",
        AsyncEventType.WqFatal => "WQ fatal",
        _ => "unknown",
    };

    /// <summary>The C enumerator name without its <c>IBV_EVENT_</c> prefix (<c>QP_FATAL</c>).</summary>
    public static string ToName(this AsyncEventType type) => type switch
    {
        AsyncEventType.CqErr => "CQ_ERR",
        AsyncEventType.QpFatal => "QP_FATAL",
        AsyncEventType.QpReqErr => "QP_REQ_ERR",
        AsyncEventType.QpAccessErr => "QP_ACCESS_ERR",
        AsyncEventType.CommEst => "COMM_EST",
        AsyncEventType.SqDrained => "SQ_DRAINED",
        AsyncEventType.PathMig => "PATH_MIG",
        AsyncEventType.PathMigErr => "PATH_MIG_ERR",
        AsyncEventType.DeviceFatal => "DEVICE_FATAL",
        AsyncEventType.PortActive => "PORT_ACTIVE",
        AsyncEventType.PortErr => "PORT_ERR",
        AsyncEventType.LidChange => "LID_CHANGE",
        AsyncEventType.PkeyChange => "PKEY_CHANGE",
        AsyncEventType.SmChange => "SM_CHANGE",
        AsyncEventType.SrqErr => "SRQ_ERR",
        AsyncEventType.SrqLimitReached => "SRQ_LIMIT_REACHED",
        AsyncEventType.QpLastWqeReached => "QP_LAST_WQE_REACHED",
        AsyncEventType.ClientReregister => "CLIENT_REREGISTER",
        AsyncEventType.GidChange => "GID_CHANGE",
        AsyncEventType.WqFatal => "WQ_FATAL",
        _ => "UNKNOWN",
    };
}
