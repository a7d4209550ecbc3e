using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// The verbs and RDMA CM enums carry rdma-core's numeric values and texts, so logs read like field logs and the native
/// backend is a plain cast. Expected values are hard-coded from rdma-core's verbs.h / rdma_cma.h and the strings that
/// ibv_wc_status_str, ibv_event_type_str and rdma_event_str return (checked against rdma-core on a dev machine; the
/// tests themselves need no headers).
/// </summary>
public sealed class PinnedEnumTests
{
    // enum ibv_wc_status, ibv_wc_status_str(), enumerator name.
    public static readonly TheoryData<int, string, string> WcStatuses = new()
    {
        { 0, "success", "IBV_WC_SUCCESS" },
        { 1, "local length error", "IBV_WC_LOC_LEN_ERR" },
        { 2, "local QP operation error", "IBV_WC_LOC_QP_OP_ERR" },
        { 3, "local EE context operation error", "IBV_WC_LOC_EEC_OP_ERR" },
        { 4, "local protection error", "IBV_WC_LOC_PROT_ERR" },
        { 5, "Work Request Flushed Error", "IBV_WC_WR_FLUSH_ERR" },
        { 6, "memory management operation error", "IBV_WC_MW_BIND_ERR" },
        { 7, "bad response error", "IBV_WC_BAD_RESP_ERR" },
        { 8, "local access error", "IBV_WC_LOC_ACCESS_ERR" },
        { 9, "remote invalid request error", "IBV_WC_REM_INV_REQ_ERR" },
        { 10, "remote access error", "IBV_WC_REM_ACCESS_ERR" },
        { 11, "remote operation error", "IBV_WC_REM_OP_ERR" },
        { 12, "transport retry counter exceeded", "IBV_WC_RETRY_EXC_ERR" },
        { 13, "RNR retry counter exceeded", "IBV_WC_RNR_RETRY_EXC_ERR" },
        { 14, "local RDD violation error", "IBV_WC_LOC_RDD_VIOL_ERR" },
        { 15, "remote invalid RD request", "IBV_WC_REM_INV_RD_REQ_ERR" },
        { 16, "aborted error", "IBV_WC_REM_ABORT_ERR" },
        { 17, "invalid EE context number", "IBV_WC_INV_EECN_ERR" },
        { 18, "invalid EE context state", "IBV_WC_INV_EEC_STATE_ERR" },
        { 19, "fatal error", "IBV_WC_FATAL_ERR" },
        { 20, "response timeout error", "IBV_WC_RESP_TIMEOUT_ERR" },
        { 21, "general error", "IBV_WC_GENERAL_ERR" },
        { 22, "TM error", "IBV_WC_TM_ERR" },
        { 23, "TM software rendezvous", "IBV_WC_TM_RNDV_INCOMPLETE" },
    };

    // enum ibv_event_type, ibv_event_type_str().
    public static readonly TheoryData<int, string, string> AsyncEvents = new()
    {
        { 0, "CQ error", "CQ_ERR" },
        { 1, "local work queue catastrophic error", "QP_FATAL" },
        { 2, "invalid request local work queue error", "QP_REQ_ERR" },
        { 3, "local access violation work queue error", "QP_ACCESS_ERR" },
        { 4, "communication established", "COMM_EST" },
        { 5, "send queue drained", "SQ_DRAINED" },
        { 6, "path migrated", "PATH_MIG" },
        { 7, "path migration request error", "PATH_MIG_ERR" },
        { 8, "local catastrophic error", "DEVICE_FATAL" },
        { 9, "port active", "PORT_ACTIVE" },
        { 10, "port error", "PORT_ERR" },
        { 11, "LID change", "LID_CHANGE" },
        { 12, "P_Key change", "PKEY_CHANGE" },
        { 13, "SM change", "SM_CHANGE" },
        { 14, "SRQ catastrophic error", "SRQ_ERR" },
        { 15, "SRQ limit reached", "SRQ_LIMIT_REACHED" },
        { 16, "last WQE reached", "QP_LAST_WQE_REACHED" },
        { 17, "client reregistration", "CLIENT_REREGISTER" },
        { 18, "GID table change", "GID_CHANGE" },
        { 19, "WQ fatal", "WQ_FATAL" },
    };

    // enum rdma_cm_event_type, rdma_event_str().
    public static readonly TheoryData<int, string> CmEvents = new()
    {
        { 0, "RDMA_CM_EVENT_ADDR_RESOLVED" },
        { 1, "RDMA_CM_EVENT_ADDR_ERROR" },
        { 2, "RDMA_CM_EVENT_ROUTE_RESOLVED" },
        { 3, "RDMA_CM_EVENT_ROUTE_ERROR" },
        { 4, "RDMA_CM_EVENT_CONNECT_REQUEST" },
        { 5, "RDMA_CM_EVENT_CONNECT_RESPONSE" },
        { 6, "RDMA_CM_EVENT_CONNECT_ERROR" },
        { 7, "RDMA_CM_EVENT_UNREACHABLE" },
        { 8, "RDMA_CM_EVENT_REJECTED" },
        { 9, "RDMA_CM_EVENT_ESTABLISHED" },
        { 10, "RDMA_CM_EVENT_DISCONNECTED" },
        { 11, "RDMA_CM_EVENT_DEVICE_REMOVAL" },
        { 12, "RDMA_CM_EVENT_MULTICAST_JOIN" },
        { 13, "RDMA_CM_EVENT_MULTICAST_ERROR" },
        { 14, "RDMA_CM_EVENT_ADDR_CHANGE" },
        { 15, "RDMA_CM_EVENT_TIMEWAIT_EXIT" },
    };

    [Theory]
    [MemberData(nameof(WcStatuses))]
    public void Wc_status_has_rdma_core_value_text_and_name(int value, string text, string ibvName)
    {
        var status = (WcStatus)value;
        Assert.True(Enum.IsDefined(status), $"WcStatus value {value} ({ibvName}) is not defined");
        Assert.Equal(ibvName, status.ToIbvName());
        Assert.Equal(ibvName["IBV_WC_".Length..], ToScreamingSnake(status.ToString()));
        Assert.Equal(text, status.ToVerbsString());
        Assert.True(WcStatusText.TryParse(ibvName, out var parsed) && parsed == status, $"WcStatusText.TryParse({ibvName})");
        Assert.True(WcStatusText.TryParse(ibvName["IBV_WC_".Length..], out parsed) && parsed == status, $"WcStatusText.TryParse(short {ibvName})");
    }

    [Fact]
    public void Wc_status_has_exactly_the_24_rdma_core_members()
    {
        Assert.Equal(Enumerable.Range(0, 24), Enum.GetValues<WcStatus>().Select(s => (int)s));
    }

    [Theory]
    [MemberData(nameof(AsyncEvents))]
    public void Async_event_type_has_rdma_core_value_and_text(int value, string text, string name)
    {
        var type = (AsyncEventType)value;
        Assert.True(Enum.IsDefined(type), $"AsyncEventType value {value} ({name}) is not defined");
        Assert.Equal(name, type.ToName());
        Assert.Equal(name, ToScreamingSnake(type.ToString()));
        Assert.Equal(text, type.ToVerbsString());
    }

    [Fact]
    public void Async_event_type_has_exactly_the_20_rdma_core_members()
    {
        Assert.Equal(Enumerable.Range(0, 20), Enum.GetValues<AsyncEventType>().Select(s => (int)s));
    }

    [Theory]
    [MemberData(nameof(CmEvents))]
    public void Cm_event_type_has_librdmacm_value_and_text(int value, string text)
    {
        var type = (CmEventType)value;
        Assert.True(Enum.IsDefined(type), $"CmEventType value {value} ({text}) is not defined");
        Assert.Equal(text, type.ToVerbsString());
        Assert.Equal(text["RDMA_CM_EVENT_".Length..], type.ToName());
        Assert.Equal(text["RDMA_CM_EVENT_".Length..], ToScreamingSnake(type.ToString()));
        Assert.True(CmEventText.TryParse(text, out var parsed) && parsed == type, $"CmEventText.TryParse({text})");
        Assert.True(CmEventText.TryParse(type.ToName(), out parsed) && parsed == type, $"CmEventText.TryParse({type.ToName()})");
    }

    [Fact]
    public void Cm_event_type_has_exactly_the_16_librdmacm_members()
    {
        Assert.Equal(Enumerable.Range(0, 16), Enum.GetValues<CmEventType>().Select(s => (int)s));
    }

    [Fact]
    public void Wc_opcode_has_rdma_core_values_and_names()
    {
        var expected = new (WcOpcode Op, int Value, string Name)[]
        {
            (WcOpcode.Send, 0, "SEND"),
            (WcOpcode.RdmaWrite, 1, "RDMA_WRITE"),
            (WcOpcode.RdmaRead, 2, "RDMA_READ"),
            (WcOpcode.CompSwap, 3, "COMP_SWAP"),
            (WcOpcode.FetchAdd, 4, "FETCH_ADD"),
            (WcOpcode.BindMw, 5, "BIND_MW"),
            (WcOpcode.LocalInv, 6, "LOCAL_INV"),
            (WcOpcode.Tso, 7, "TSO"),
            (WcOpcode.AtomicWrite, 9, "ATOMIC_WRITE"),
            (WcOpcode.Recv, 128, "RECV"),
            (WcOpcode.RecvRdmaWithImm, 129, "RECV_RDMA_WITH_IMM"),
            (WcOpcode.Driver1, 135, "DRIVER1"),
        };
        Assert.Equal(expected.Length, Enum.GetValues<WcOpcode>().Length);
        foreach (var (op, value, name) in expected)
        {
            Assert.True((int)op == value, $"WcOpcode.{op} is {(int)op}, rdma-core IBV_WC_{name} is {value}");
            Assert.Equal(name, op.ToName());
        }
    }

    [Fact]
    public void Wr_opcode_has_rdma_core_values_names_and_completion_opcodes()
    {
        var expected = new (WrOpcode Op, int Value, string Name, WcOpcode Wc)[]
        {
            (WrOpcode.RdmaWrite, 0, "RDMA_WRITE", WcOpcode.RdmaWrite),
            (WrOpcode.RdmaWriteWithImm, 1, "RDMA_WRITE_WITH_IMM", WcOpcode.RdmaWrite),
            (WrOpcode.Send, 2, "SEND", WcOpcode.Send),
            (WrOpcode.SendWithImm, 3, "SEND_WITH_IMM", WcOpcode.Send),
            (WrOpcode.RdmaRead, 4, "RDMA_READ", WcOpcode.RdmaRead),
            (WrOpcode.AtomicCmpAndSwp, 5, "ATOMIC_CMP_AND_SWP", WcOpcode.CompSwap),
            (WrOpcode.AtomicFetchAndAdd, 6, "ATOMIC_FETCH_AND_ADD", WcOpcode.FetchAdd),
            (WrOpcode.LocalInv, 7, "LOCAL_INV", WcOpcode.LocalInv),
            (WrOpcode.BindMw, 8, "BIND_MW", WcOpcode.BindMw),
            (WrOpcode.SendWithInv, 9, "SEND_WITH_INV", WcOpcode.Send),
            (WrOpcode.Tso, 10, "TSO", WcOpcode.Tso),
            (WrOpcode.Driver1, 11, "DRIVER1", WcOpcode.Driver1),
            (WrOpcode.AtomicWrite, 15, "ATOMIC_WRITE", WcOpcode.AtomicWrite),
        };
        Assert.Equal(expected.Length, Enum.GetValues<WrOpcode>().Length);
        foreach (var (op, value, name, wc) in expected)
        {
            Assert.True((int)op == value, $"WrOpcode.{op} is {(int)op}, rdma-core IBV_WR_{name} is {value}");
            Assert.Equal(name, op.ToName());
            Assert.True(op.ToWcOpcode() == wc, $"WrOpcode.{op} completes as {op.ToWcOpcode()}, expected {wc}");
        }
    }

    [Fact]
    public void Qp_state_has_rdma_core_values_and_names()
    {
        var expected = new (QpState State, int Value, string Name)[]
        {
            (QpState.Reset, 0, "RESET"),
            (QpState.Init, 1, "INIT"),
            (QpState.Rtr, 2, "RTR"),
            (QpState.Rts, 3, "RTS"),
            (QpState.Sqd, 4, "SQD"),
            (QpState.Sqe, 5, "SQE"),
            (QpState.Err, 6, "ERR"),
            (QpState.Unknown, 7, "UNKNOWN"),
        };
        Assert.Equal(expected.Length, Enum.GetValues<QpState>().Length);
        foreach (var (state, value, name) in expected)
        {
            Assert.True((int)state == value, $"QpState.{state} is {(int)state}, rdma-core IBV_QPS_{name} is {value}");
            Assert.Equal(name, state.ToName());
        }
    }

    [Fact]
    public void Access_flags_have_rdma_core_bit_values()
    {
        AssertBits(new (AccessFlags, int, string)[]
        {
            (AccessFlags.LocalWrite, 1, "IBV_ACCESS_LOCAL_WRITE"),
            (AccessFlags.RemoteWrite, 2, "IBV_ACCESS_REMOTE_WRITE"),
            (AccessFlags.RemoteRead, 4, "IBV_ACCESS_REMOTE_READ"),
            (AccessFlags.RemoteAtomic, 8, "IBV_ACCESS_REMOTE_ATOMIC"),
            (AccessFlags.MwBind, 16, "IBV_ACCESS_MW_BIND"),
            (AccessFlags.ZeroBased, 32, "IBV_ACCESS_ZERO_BASED"),
            (AccessFlags.OnDemand, 64, "IBV_ACCESS_ON_DEMAND"),
            (AccessFlags.HugeTlb, 128, "IBV_ACCESS_HUGETLB"),
            (AccessFlags.RelaxedOrdering, 1_048_576, "IBV_ACCESS_RELAXED_ORDERING"),
        });
    }

    [Fact]
    public void Send_flags_have_rdma_core_bit_values()
    {
        AssertBits(new (SendFlags, int, string)[]
        {
            (SendFlags.Fence, 1, "IBV_SEND_FENCE"),
            (SendFlags.Signaled, 2, "IBV_SEND_SIGNALED"),
            (SendFlags.Solicited, 4, "IBV_SEND_SOLICITED"),
            (SendFlags.Inline, 8, "IBV_SEND_INLINE"),
            (SendFlags.IpCsum, 16, "IBV_SEND_IP_CSUM"),
        });
    }

    [Fact]
    public void Wc_flags_have_rdma_core_bit_values()
    {
        AssertBits(new (WcFlags, int, string)[]
        {
            (WcFlags.Grh, 1, "IBV_WC_GRH"),
            (WcFlags.WithImm, 2, "IBV_WC_WITH_IMM"),
            (WcFlags.IpCsumOk, 4, "IBV_WC_IP_CSUM_OK"),
            (WcFlags.WithInv, 8, "IBV_WC_WITH_INV"),
            (WcFlags.TmSyncReq, 16, "IBV_WC_TM_SYNC_REQ"),
            (WcFlags.TmMatch, 32, "IBV_WC_TM_MATCH"),
            (WcFlags.TmDataValid, 64, "IBV_WC_TM_DATA_VALID"),
        });
    }

    [Fact]
    public void Qp_attr_mask_has_rdma_core_bit_values()
    {
        AssertBits(new (QpAttrMask, int, string)[]
        {
            (QpAttrMask.State, 1, "IBV_QP_STATE"),
            (QpAttrMask.CurState, 2, "IBV_QP_CUR_STATE"),
            (QpAttrMask.EnSqdAsyncNotify, 4, "IBV_QP_EN_SQD_ASYNC_NOTIFY"),
            (QpAttrMask.AccessFlags, 8, "IBV_QP_ACCESS_FLAGS"),
            (QpAttrMask.PkeyIndex, 16, "IBV_QP_PKEY_INDEX"),
            (QpAttrMask.Port, 32, "IBV_QP_PORT"),
            (QpAttrMask.Qkey, 64, "IBV_QP_QKEY"),
            (QpAttrMask.Av, 128, "IBV_QP_AV"),
            (QpAttrMask.PathMtu, 256, "IBV_QP_PATH_MTU"),
            (QpAttrMask.Timeout, 512, "IBV_QP_TIMEOUT"),
            (QpAttrMask.RetryCnt, 1024, "IBV_QP_RETRY_CNT"),
            (QpAttrMask.RnrRetry, 2048, "IBV_QP_RNR_RETRY"),
            (QpAttrMask.RqPsn, 4096, "IBV_QP_RQ_PSN"),
            (QpAttrMask.MaxQpRdAtomic, 8192, "IBV_QP_MAX_QP_RD_ATOMIC"),
            (QpAttrMask.AltPath, 16_384, "IBV_QP_ALT_PATH"),
            (QpAttrMask.MinRnrTimer, 32_768, "IBV_QP_MIN_RNR_TIMER"),
            (QpAttrMask.SqPsn, 65_536, "IBV_QP_SQ_PSN"),
            (QpAttrMask.MaxDestRdAtomic, 131_072, "IBV_QP_MAX_DEST_RD_ATOMIC"),
            (QpAttrMask.PathMigState, 262_144, "IBV_QP_PATH_MIG_STATE"),
            (QpAttrMask.Cap, 524_288, "IBV_QP_CAP"),
            (QpAttrMask.DestQpn, 1_048_576, "IBV_QP_DEST_QPN"),
        });
    }

    [Fact]
    public void Qp_type_mtu_port_space_and_port_state_have_rdma_core_values()
    {
        Assert.True((int)QpType.Rc == 2, "QpType.Rc must be IBV_QPT_RC = 2");
        Assert.True((int)QpType.Uc == 3, "QpType.Uc must be IBV_QPT_UC = 3");
        Assert.True((int)QpType.Ud == 4, "QpType.Ud must be IBV_QPT_UD = 4");
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, Enum.GetValues<Mtu>().Select(m => (int)m));
        Assert.True((int)Mtu.Mtu256 == 1 && (int)Mtu.Mtu4096 == 5, "Mtu must be IBV_MTU_256 = 1 .. IBV_MTU_4096 = 5");
        Assert.True((int)PortSpace.Ipoib == 0x0002, "PortSpace.Ipoib must be RDMA_PS_IPOIB = 0x0002");
        Assert.True((int)PortSpace.Tcp == 0x0106, "PortSpace.Tcp must be RDMA_PS_TCP = 0x0106");
        Assert.True((int)PortSpace.Udp == 0x0111, "PortSpace.Udp must be RDMA_PS_UDP = 0x0111");
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, Enum.GetValues<PortState>().Select(p => (int)p));
        Assert.True((int)PortState.Active == 4, "PortState.Active must be IBV_PORT_ACTIVE = 4");
    }

    [Fact]
    public void Cm_reject_reasons_have_ib_cm_values()
    {
        Assert.True(CmRejectReason.InvalidServiceId == 8, "IB_CM_REJ_INVALID_SERVICE_ID is 8");
        Assert.True(CmRejectReason.ConsumerReject == 28, "IB_CM_REJ_CONSUMER_DEFINED is 28");
    }

    private static void AssertBits<T>((T Flag, int Value, string CName)[] expected)
        where T : struct, Enum
    {
        foreach (var (flag, value, name) in expected)
        {
            var actual = Convert.ToInt32(flag, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(actual == value, $"{typeof(T).Name}.{flag} is {actual}, rdma-core {name} is {value}");
        }

        // Every non-zero member is pinned above: a new flag must be checked against rdma-core before it is added.
        var defined = Enum.GetValues<T>().Select(f => Convert.ToInt32(f, System.Globalization.CultureInfo.InvariantCulture)).Where(v => v != 0).Order();
        Assert.Equal(expected.Select(e => e.Value).Order(), defined);
    }

    /// <summary>PascalCase member name to the C enumerator suffix: <c>RnrRetryExcErr</c> → <c>RNR_RETRY_EXC_ERR</c>.</summary>
    private static string ToScreamingSnake(string pascal)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                sb.Append('_');
            }

            sb.Append(char.ToUpperInvariant(pascal[i]));
        }

        return sb.ToString();
    }
}
