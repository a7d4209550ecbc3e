namespace Harness.Transport.Verbs;

/// <summary>
/// Work completion status, numerically identical to rdma-core's <c>enum ibv_wc_status</c>.
/// <see cref="WcStatusText.ToVerbsString"/> gives the same text as <c>ibv_wc_status_str</c>.
/// </summary>
public enum WcStatus
{
    Success = 0,
    LocLenErr = 1,
    LocQpOpErr = 2,
    LocEecOpErr = 3,
    LocProtErr = 4,
    WrFlushErr = 5,
    MwBindErr = 6,
    BadRespErr = 7,
    LocAccessErr = 8,
    RemInvReqErr = 9,
    RemAccessErr = 10,
    RemOpErr = 11,
    RetryExcErr = 12,
    RnrRetryExcErr = 13,
    LocRddViolErr = 14,
    RemInvRdReqErr = 15,
    RemAbortErr = 16,
    InvEecnErr = 17,
    InvEecStateErr = 18,
    FatalErr = 19,
    RespTimeoutErr = 20,
    GeneralErr = 21,
    TmErr = 22,
    TmRndvIncomplete = 23,
}

/// <summary>Text and rdma-core names for <see cref="WcStatus"/>.</summary>
public static class WcStatusText
{
    /// <summary>The text <c>ibv_wc_status_str</c> prints, so logs read like field logs.</summary>
    public static string ToVerbsString(this WcStatus status) => status switch
    {
        WcStatus.Success => "success",
        WcStatus.LocLenErr => "local length error",
        WcStatus.LocQpOpErr => "local QP operation error",
        WcStatus.LocEecOpErr => "local EE context operation error",
        WcStatus.LocProtErr => "local protection error",
        WcStatus.WrFlushErr => "Work Request Flushed Error",
        WcStatus.MwBindErr => "memory management operation error",
        WcStatus.BadRespErr => "bad response error",
        WcStatus.LocAccessErr => "local access error",
        WcStatus.RemInvReqErr => "remote invalid request error",
        WcStatus.RemAccessErr => "remote access error",
        WcStatus.RemOpErr => "remote operation error",
        WcStatus.RetryExcErr => "transport retry counter exceeded",
        WcStatus.RnrRetryExcErr => "RNR retry counter exceeded",
        WcStatus.LocRddViolErr => "local RDD violation error",
        WcStatus.RemInvRdReqErr => "remote invalid RD request",
        WcStatus.RemAbortErr => "aborted error",
        WcStatus.InvEecnErr => "invalid EE context number",
        WcStatus.InvEecStateErr => "invalid EE context state",
        WcStatus.FatalErr => "fatal error",
        WcStatus.RespTimeoutErr => "response timeout error",
        WcStatus.GeneralErr => "general error",
        WcStatus.TmErr => "TM error",
        WcStatus.TmRndvIncomplete => "TM software rendezvous",
        _ => "unknown",
    };

    /// <summary>The C enumerator name, e.g. <c>IBV_WC_RETRY_EXC_ERR</c>.</summary>
    public static string ToIbvName(this WcStatus status) => status switch
    {
        WcStatus.Success => "IBV_WC_SUCCESS",
        WcStatus.LocLenErr => "IBV_WC_LOC_LEN_ERR",
        WcStatus.LocQpOpErr => "IBV_WC_LOC_QP_OP_ERR",
        WcStatus.LocEecOpErr => "IBV_WC_LOC_EEC_OP_ERR",
        WcStatus.LocProtErr => "IBV_WC_LOC_PROT_ERR",
        WcStatus.WrFlushErr => "IBV_WC_WR_FLUSH_ERR",
        WcStatus.MwBindErr => "IBV_WC_MW_BIND_ERR",
        WcStatus.BadRespErr => "IBV_WC_BAD_RESP_ERR",
        WcStatus.LocAccessErr => "IBV_WC_LOC_ACCESS_ERR",
        WcStatus.RemInvReqErr => "IBV_WC_REM_INV_REQ_ERR",
        WcStatus.RemAccessErr => "IBV_WC_REM_ACCESS_ERR",
        WcStatus.RemOpErr => "IBV_WC_REM_OP_ERR",
        WcStatus.RetryExcErr => "IBV_WC_RETRY_EXC_ERR",
        WcStatus.RnrRetryExcErr => "IBV_WC_RNR_RETRY_EXC_ERR",
        WcStatus.LocRddViolErr => "IBV_WC_LOC_RDD_VIOL_ERR",
        WcStatus.RemInvRdReqErr => "IBV_WC_REM_INV_RD_REQ_ERR",
        WcStatus.RemAbortErr => "IBV_WC_REM_ABORT_ERR",
        WcStatus.InvEecnErr => "IBV_WC_INV_EECN_ERR",
        WcStatus.InvEecStateErr => "IBV_WC_INV_EEC_STATE_ERR",
        WcStatus.FatalErr => "IBV_WC_FATAL_ERR",
        WcStatus.RespTimeoutErr => "IBV_WC_RESP_TIMEOUT_ERR",
        WcStatus.GeneralErr => "IBV_WC_GENERAL_ERR",
        WcStatus.TmErr => "IBV_WC_TM_ERR",
        WcStatus.TmRndvIncomplete => "IBV_WC_TM_RNDV_INCOMPLETE",
        _ => "IBV_WC_UNKNOWN",
    };

    /// <summary>Parses a C enumerator name (<c>IBV_WC_RETRY_EXC_ERR</c>) or its short form (<c>RETRY_EXC_ERR</c>).</summary>
    public static bool TryParse(string text, out WcStatus status)
    {
        for (var s = WcStatus.Success; s <= WcStatus.TmRndvIncomplete; s++)
        {
            var name = s.ToIbvName();
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, name["IBV_WC_".Length..], StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }

        status = default;
        return false;
    }
}
