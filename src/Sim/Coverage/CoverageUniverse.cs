using Harness.Sim.Faults;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Sim.Coverage;

/// <summary>
/// What each coverage category should reach, in one place: the grids (rows, columns, in enum order) and their universes.
/// State machines take theirs from the transports' own transition tables; events and statuses from what the simulated
/// NIC, CM and fault injector can produce for that side, so a point in a never-reached list is one a sweep could reach.
/// </summary>
public static class CoverageUniverse
{
    /// <summary>Column of an event that no qpair owns (a CONNECT_REQUEST on the listener, a device event).</summary>
    public const string NoQpair = "(no qpair)";

    /// <summary>Error statuses the simulated NIC and the fault injector produce (src/Sim/Nic, <see cref="FaultInjector"/>), in enum order.</summary>
    public static IReadOnlyList<WcStatus> SimulatedErrorStatuses { get; } =
    [
        WcStatus.LocLenErr, WcStatus.LocQpOpErr, WcStatus.LocProtErr, WcStatus.WrFlushErr, WcStatus.RemInvReqErr,
        WcStatus.RemAccessErr, WcStatus.RemOpErr, WcStatus.RetryExcErr, WcStatus.RnrRetryExcErr,
    ];

    /// <summary>
    /// Target qpair states an event can find a qpair in, as SPDK HEAD's lifecycle: UNINITIALIZED until its poll group's
    /// thread accepted it (or after that failed, while it drains), CONNECTING, ENABLED, DEACTIVATING, and ERROR from
    /// the generic layer's destroy until the transport has drained it.
    /// </summary>
    private static readonly NvmfQpairState[] LiveTargetQpairStates =
        [NvmfQpairState.Uninitialized, NvmfQpairState.Connecting, NvmfQpairState.Enabled, NvmfQpairState.Deactivating, NvmfQpairState.Error];

    /// <summary>Host qpair states that own a CM id and so can consume its events.</summary>
    private static readonly NvmeRdmaQpairState[] HostStatesWithCmId =
    [
        NvmeRdmaQpairState.Initializing, NvmeRdmaQpairState.FabricConnectSend, NvmeRdmaQpairState.FabricConnectPoll,
        NvmeRdmaQpairState.Running, NvmeRdmaQpairState.Exiting, NvmeRdmaQpairState.Lingering,
    ];

    /// <summary>CM events the passive side's ids get from the simulated CM after the accept.</summary>
    private static readonly CmEventType[] PassiveQpairEvents =
    [
        CmEventType.ConnectError, CmEventType.Rejected, CmEventType.Established, CmEventType.Disconnected, CmEventType.DeviceRemoval,
        CmEventType.AddrChange, CmEventType.TimewaitExit,
    ];

    /// <summary>CM events answering a call the host makes only while INITIALIZING (resolve address/route, connect).</summary>
    private static readonly CmEventType[] ConnectPhaseEvents =
    [
        CmEventType.AddrResolved, CmEventType.AddrError, CmEventType.RouteResolved, CmEventType.RouteError, CmEventType.ConnectError,
        CmEventType.Unreachable, CmEventType.Rejected, CmEventType.Established,
    ];

    /// <summary>CM events the simulated CM can deliver to a connected or connecting id at any time.</summary>
    private static readonly CmEventType[] AnytimeEvents = [CmEventType.Disconnected, CmEventType.DeviceRemoval, CmEventType.AddrChange, CmEventType.TimewaitExit];

    /// <summary>
    /// Async events about a QP that the simulated NIC or a fault raises and the target acts on (COMM_EST, PATH_MIG and
    /// PATH_MIG_ERR: the swarm's events that change nothing but the target's view of the QP state).
    /// </summary>
    private static readonly AsyncEventType[] QpAsyncEvents =
    [
        AsyncEventType.QpFatal, AsyncEventType.QpReqErr, AsyncEventType.QpAccessErr, AsyncEventType.QpLastWqeReached,
        AsyncEventType.CommEst, AsyncEventType.PathMig, AsyncEventType.PathMigErr,
    ];

    /// <summary>Async events of the device or a CQ (no qpair).</summary>
    private static readonly AsyncEventType[] DeviceAsyncEvents = [AsyncEventType.CqErr, AsyncEventType.DeviceFatal, AsyncEventType.PortActive, AsyncEventType.PortErr];

    public static CoverageCategory TargetRequestTransitions() => new(
        "target-request-transitions", "target request state transitions (RdmaRequestTransitions.IsLegal)", ("from", "to"), " -> ",
        Names<RdmaRequestState>(s => s.ToName()), Names<RdmaRequestState>(s => s.ToName()),
        (from, to) => RdmaRequestTransitions.IsLegal((RdmaRequestState)from, (RdmaRequestState)to));

    public static CoverageCategory HostQpairTransitions() => new(
        "host-qpair-transitions", "host qpair state transitions (NvmeRdmaQpairStates.IsLegal)", ("from", "to"), " -> ",
        Names<NvmeRdmaQpairState>(HostStateName), Names<NvmeRdmaQpairState>(HostStateName),
        (from, to) => NvmeRdmaQpairStates.IsLegal((NvmeRdmaQpairState)from, (NvmeRdmaQpairState)to));

    public static CoverageCategory FaultSitesReached() => new(
        "fault-sites", "fault sites (Sim/Faults/FaultSites)", ("site", null), string.Empty, FaultSites.All, [], (_, _) => true);

    /// <summary>Rows: statuses; columns: <see cref="RdmaWrType"/>. A receive fails only by a flush or a too-small buffer; swarm errors hit any send-queue WR.</summary>
    public static CoverageCategory TargetErrorCompletions() => new(
        "target-error-completions", "target error completions (status on WR type, as nvmf_rdma_log_wc_status names it)", ("status", "WR type"), " on ",
        Names<WcStatus>(StatusName), Names<RdmaWrType>(t => t.ToString().ToUpperInvariant()),
        (status, type) => IsSimulatedStatus((WcStatus)status, (RdmaWrType)type == RdmaWrType.Recv));

    /// <summary>Rows: statuses; columns: <see cref="NvmeRdmaWrType"/>.</summary>
    public static CoverageCategory HostErrorCompletions() => new(
        "host-error-completions", "host error completions (status on WR type)", ("status", "WR type"), " on ",
        Names<WcStatus>(StatusName), Names<NvmeRdmaWrType>(t => t.ToString().ToUpperInvariant()),
        (status, type) => IsSimulatedStatus((WcStatus)status, (NvmeRdmaWrType)type == NvmeRdmaWrType.Recv));

    /// <summary>Columns: <see cref="NoQpair"/>, then <see cref="NvmfQpairState"/> (column = state + 1).</summary>
    public static CoverageCategory TargetCmEvents() => new(
        "target-cm-events", "target CM events in qpair state", ("event", "qpair state"), " in ",
        Names<CmEventType>(t => t.ToName()), [NoQpair, .. Names<NvmfQpairState>(TargetQpairStateName)],
        (ev, column) => column == 0
            ? (CmEventType)ev is CmEventType.ConnectRequest or CmEventType.DeviceRemoval or CmEventType.AddrChange // the listener's id
            : PassiveQpairEvents.Contains((CmEventType)ev) && LiveTargetQpairStates.Contains((NvmfQpairState)(column - 1)));

    /// <summary>Columns: <see cref="NvmeRdmaQpairState"/>.</summary>
    public static CoverageCategory HostCmEvents() => new(
        "host-cm-events", "host CM events in qpair state", ("event", "qpair state"), " in ",
        Names<CmEventType>(t => t.ToName()), Names<NvmeRdmaQpairState>(HostStateName),
        (ev, state) => HostStatesWithCmId.Contains((NvmeRdmaQpairState)state)
            && (AnytimeEvents.Contains((CmEventType)ev) || (ConnectPhaseEvents.Contains((CmEventType)ev) && (NvmeRdmaQpairState)state == NvmeRdmaQpairState.Initializing)));

    /// <summary>Columns as <see cref="TargetCmEvents"/>. The host transport, like SPDK's nvme_rdma, reads no async events.</summary>
    public static CoverageCategory TargetAsyncEvents() => new(
        "target-async-events", "target async events in qpair state", ("event", "qpair state"), " in ",
        Names<AsyncEventType>(t => t.ToName()), [NoQpair, .. Names<NvmfQpairState>(TargetQpairStateName)],
        (ev, column) => column == 0
            ? DeviceAsyncEvents.Contains((AsyncEventType)ev)
            : QpAsyncEvents.Contains((AsyncEventType)ev) && LiveTargetQpairStates.Contains((NvmfQpairState)(column - 1)));

    /// <summary>A qpair state's SPDK name without its prefix (<c>LINGERING</c>).</summary>
    public static string HostStateName(NvmeRdmaQpairState state) => state.ToSpdkName()["NVME_RDMA_QPAIR_STATE_".Length..];

    /// <summary>The generic qpair state's SPDK name without <c>SPDK_NVMF_QPAIR_</c> (the enum names are SPDK's).</summary>
    public static string TargetQpairStateName(NvmfQpairState state) => state.ToString().ToUpperInvariant();

    /// <summary>A status's C name without <c>IBV_WC_</c>.</summary>
    public static string StatusName(WcStatus status) => status.ToIbvName()["IBV_WC_".Length..];

    private static bool IsSimulatedStatus(WcStatus status, bool recv) =>
        recv ? status is WcStatus.WrFlushErr or WcStatus.LocLenErr : status != WcStatus.LocLenErr && SimulatedErrorStatuses.Contains(status);

    /// <summary>Labels of every value of <typeparamref name="T"/>, indexed by its numeric value (the enums are dense from 0).</summary>
    private static string[] Names<T>(Func<T, string> name)
        where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        Transport.Invariants.Check.That(values.Select((v, i) => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) == i).All(x => x),
            CoverageCategory.Invariant, typeof(T), t => $"coverage: {t.Name} is not dense from 0");
        return values.Select(name).ToArray();
    }
}
