using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Faults;

/// <summary>Work request kinds that faults select on.</summary>
public enum WrKind
{
    Any = 0,
    Send,
    RdmaWrite,
    RdmaRead,
    Recv,
}

/// <summary>
/// Which queue pair(s) a fault applies to: a host name and the QP's creation ordinal on that host (0-based,
/// deterministic), each optional (null = any).
/// </summary>
public sealed record QpSelector(string? Host = null, int? Qp = null)
{
    /// <summary>Every QP on every host.</summary>
    public static QpSelector AnyQp { get; } = new();

    /// <summary>True when the QP with <paramref name="ordinal"/> on <paramref name="host"/> is selected.</summary>
    public bool Matches(string host, int ordinal) =>
        (Host == null || string.Equals(Host, host, StringComparison.Ordinal)) && (Qp == null || Qp == ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{Host ?? "*"}/qp{(Qp?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*")}";
}

/// <summary>A fault at a named site, scripted ahead of the run.</summary>
public abstract record ScriptedFault;

/// <summary>The <paramref name="Nth"/> (1-based) WR of kind <paramref name="Kind"/> on each selected QP completes with <paramref name="Status"/>.</summary>
public sealed record WcErrorFault(QpSelector Target, WrKind Kind, int Nth, WcStatus Status) : ScriptedFault;

/// <summary>The packets of the <paramref name="Nth"/> WR of kind <paramref name="Kind"/> are lost <paramref name="Drops"/> times in a row (more than retry_cnt → RETRY_EXC_ERR).</summary>
public sealed record PacketDropFault(QpSelector Target, WrKind Kind, int Nth, int Drops) : ScriptedFault;

/// <summary>
/// The <paramref name="Nth"/> (1-based) post call on <paramref name="Queue"/> of each selected QP (for
/// <see cref="PostQueue.Srq"/>: of the selected host's SRQ with that creation ordinal) fails with
/// <paramref name="Errno"/> at WR <paramref name="Wr"/> of its chain (0-based, clamped to the chain's last WR), as
/// rdma-core's providers fail: the WRs before it are posted and complete, it and every WR after it are not posted and
/// <c>bad_wr</c> points at it.
/// </summary>
public sealed record PostErrorFault(QpSelector Target, PostQueue Queue, int Nth, int Wr, int Errno) : ScriptedFault;

/// <summary>At <paramref name="AtNs"/>, the CM id owning each selected QP calls rdma_disconnect.</summary>
public sealed record DisconnectFault(QpSelector Target, long AtNs) : ScriptedFault;

/// <summary>At <paramref name="AtNs"/>, each selected QP is forced to ERR (a flush storm).</summary>
public sealed record ForceQpErrorFault(QpSelector Target, long AtNs) : ScriptedFault;

/// <summary>At <paramref name="AtNs"/>, an async event hits each selected QP (QP_FATAL also moves it to ERR).</summary>
public sealed record AsyncEventFault(QpSelector Target, AsyncEventType EventType, long AtNs) : ScriptedFault;

/// <summary>The <paramref name="Nth"/> (1-based) CM event of type <paramref name="EventType"/> on host <paramref name="Host"/> (null = any) is dropped.</summary>
public sealed record DropCmEventFault(string? Host, CmEventType EventType, int Nth) : ScriptedFault;

/// <summary>The <paramref name="Nth"/> CM event of type <paramref name="EventType"/> on host <paramref name="Host"/> is delayed by <paramref name="DelayNs"/>.</summary>
public sealed record DelayCmEventFault(string? Host, CmEventType EventType, int Nth, long DelayNs) : ScriptedFault;

/// <summary>Completions written to CQ <paramref name="Cq"/> (creation ordinal) on <paramref name="Host"/> between the two times become visible <paramref name="DelayNs"/> later.</summary>
public sealed record DelayCqFault(string Host, int Cq, long DelayNs, long FromNs, long UntilNs) : ScriptedFault;

/// <summary>
/// At <paramref name="AtNs"/>, the host's device is removed: DEVICE_FATAL (the device gone, every QP to ERR) and
/// DEVICE_REMOVAL on every id, in <paramref name="Order"/>, the second <paramref name="GapNs"/> after the first.
/// </summary>
public sealed record DeviceRemovalFault(string Host, long AtNs, DeviceRemovalOrder Order = DeviceRemovalOrder.FatalFirst, long GapNs = 0) : ScriptedFault;

/// <summary>At <paramref name="AtNs"/>, the host's address changes: ADDR_CHANGE on every id bound to it.</summary>
public sealed record AddrChangeFault(string Host, long AtNs) : ScriptedFault;

/// <summary>At <paramref name="AtNs"/>, the host's port goes down (PORT_ERR) and comes back after <paramref name="DownNs"/> (PORT_ACTIVE); packets are lost meanwhile.</summary>
public sealed record PortFlapFault(string Host, long AtNs, long DownNs) : ScriptedFault;

/// <summary>
/// The <paramref name="Nth"/> (1-based) rdma_connect on host <paramref name="Host"/> (null = any) is answered by the
/// peer's CM with RDMA_CM_EVENT_REJECTED, status 10 (IB_CM_REJ_STALE_CONN), as the kernel CM does when it still holds a
/// connection with that QPN: its listener never sees the REQ.
/// </summary>
public sealed record StaleConnFault(string? Host, int Nth) : ScriptedFault;

/// <summary>
/// Call <paramref name="Nth"/> (1-based, counted per host and call) of <paramref name="Call"/> on host
/// <paramref name="Host"/> (null = any) fails with <paramref name="Errno"/>, as the provider or the kernel fails it: nothing
/// is created or changed, except that a failed rdma_accept moves the QP to ERR and rejects the connection, as the kernel's
/// rdma_accept does.
/// </summary>
public sealed record CallErrorFault(string? Host, VerbsCall Call, int Nth, int Errno) : ScriptedFault;

/// <summary>Faults for one run: scripted ones and an optional swarm profile.</summary>
public sealed record FaultPlan(IReadOnlyList<ScriptedFault> Scripted, SwarmProfile? Swarm)
{
    /// <summary>No faults.</summary>
    public static FaultPlan None { get; } = new(Array.Empty<ScriptedFault>(), null);

    /// <summary>A plan of only scripted faults.</summary>
    public static FaultPlan Of(params ScriptedFault[] faults) => new(faults, null);
}
