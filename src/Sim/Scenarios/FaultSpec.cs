using System.Text.Json.Serialization;
using Harness.Sim.Faults;

namespace Harness.Sim.Scenarios;

/// <summary>
/// One scripted fault as a scenario file states it: the simulator's <see cref="ScriptedFault"/> vocabulary with names as
/// rdma-core prints them (<c>IBV_WC_RETRY_EXC_ERR</c>, <c>IBV_EVENT_QP_FATAL</c>, <c>RDMA_CM_EVENT_DISCONNECTED</c>)
/// and queue pairs as <c>HOST/N</c>. <see cref="ToFault"/> gives the simulator's record.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(WcErrorSpec), "wc-error")]
[JsonDerivedType(typeof(PacketDropSpec), "packet-drop")]
[JsonDerivedType(typeof(DisconnectSpec), "disconnect")]
[JsonDerivedType(typeof(ForceQpErrorSpec), "force-qp-error")]
[JsonDerivedType(typeof(AsyncEventSpec), "async-event")]
[JsonDerivedType(typeof(DropCmEventSpec), "drop-cm-event")]
[JsonDerivedType(typeof(DelayCmEventSpec), "delay-cm-event")]
[JsonDerivedType(typeof(DelayCqSpec), "delay-cq")]
[JsonDerivedType(typeof(DeviceRemovalSpec), "device-removal")]
[JsonDerivedType(typeof(AddrChangeSpec), "addr-change")]
[JsonDerivedType(typeof(PortFlapSpec), "port-flap")]
[JsonDerivedType(typeof(PostErrorSpec), "post-error")]
[JsonDerivedType(typeof(StaleConnRejectSpec), "stale-conn-reject")]
[JsonDerivedType(typeof(ControllerErrorSpec), "controller-error")]
[JsonDerivedType(typeof(ControllerDelaySpec), "controller-delay")]
[JsonDerivedType(typeof(CallErrorSpec), "call-error")]
public abstract record FaultSpec
{
    /// <summary>The simulator's fault (names already validated by the loader).</summary>
    public abstract ScriptedFault ToFault();
}

/// <summary><see cref="WcErrorFault"/>: the <paramref name="Nth"/> WR of kind <paramref name="Wr"/> completes with <paramref name="Status"/>.</summary>
public sealed record WcErrorSpec(string Qp, string Wr, int Nth, string Status) : FaultSpec
{
    public override ScriptedFault ToFault() => new WcErrorFault(ScenarioNames.ParseQp(Qp), ScenarioNames.ParseWr(Wr), Nth, ScenarioNames.ParseWcStatus(Status));
}

/// <summary><see cref="PacketDropFault"/>: the packets of the <paramref name="Nth"/> WR are lost <paramref name="Drops"/> times in a row.</summary>
public sealed record PacketDropSpec(string Qp, string Wr, int Nth, int Drops) : FaultSpec
{
    public override ScriptedFault ToFault() => new PacketDropFault(ScenarioNames.ParseQp(Qp), ScenarioNames.ParseWr(Wr), Nth, Drops);
}

/// <summary><see cref="DisconnectFault"/> at <paramref name="AtNs"/>.</summary>
public sealed record DisconnectSpec(string Qp, long AtNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new DisconnectFault(ScenarioNames.ParseQp(Qp), AtNs);
}

/// <summary><see cref="ForceQpErrorFault"/> at <paramref name="AtNs"/>.</summary>
public sealed record ForceQpErrorSpec(string Qp, long AtNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new ForceQpErrorFault(ScenarioNames.ParseQp(Qp), AtNs);
}

/// <summary><see cref="AsyncEventFault"/> at <paramref name="AtNs"/>.</summary>
public sealed record AsyncEventSpec(string Qp, string Event, long AtNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new AsyncEventFault(ScenarioNames.ParseQp(Qp), ScenarioNames.ParseAsyncEvent(Event), AtNs);
}

/// <summary><see cref="DropCmEventFault"/>: the <paramref name="Nth"/> CM event of that type on <paramref name="Host"/> (null = any) is lost.</summary>
public sealed record DropCmEventSpec(string? Host, string Event, int Nth) : FaultSpec
{
    public override ScriptedFault ToFault() => new DropCmEventFault(Host, ScenarioNames.ParseCmEvent(Event), Nth);
}

/// <summary><see cref="DelayCmEventFault"/>: the <paramref name="Nth"/> CM event of that type is delayed by <paramref name="DelayNs"/>.</summary>
public sealed record DelayCmEventSpec(string? Host, string Event, int Nth, long DelayNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new DelayCmEventFault(Host, ScenarioNames.ParseCmEvent(Event), Nth, DelayNs);
}

/// <summary><see cref="DelayCqFault"/>: completions written to CQ <paramref name="Cq"/> in the window become visible later.</summary>
public sealed record DelayCqSpec(string Host, int Cq, long DelayNs, long FromNs, long UntilNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new DelayCqFault(Host, Cq, DelayNs, FromNs, UntilNs);
}

/// <summary>
/// <see cref="DeviceRemovalFault"/> at <paramref name="AtNs"/>: <paramref name="Order"/> <c>fatal-first</c> (default) or
/// <c>removal-first</c>, the second event <paramref name="GapNs"/> (default 0) after the first.
/// </summary>
public sealed record DeviceRemovalSpec(string Host, long AtNs, string? Order = null, long? GapNs = null) : FaultSpec
{
    public override ScriptedFault ToFault() => new DeviceRemovalFault(Host, AtNs, ScenarioNames.ParseRemovalOrder(Order ?? ScenarioNames.FatalFirst), GapNs ?? 0);
}

/// <summary><see cref="AddrChangeFault"/> at <paramref name="AtNs"/>.</summary>
public sealed record AddrChangeSpec(string Host, long AtNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new AddrChangeFault(Host, AtNs);
}

/// <summary><see cref="PortFlapFault"/> at <paramref name="AtNs"/> for <paramref name="DownNs"/>.</summary>
public sealed record PortFlapSpec(string Host, long AtNs, long DownNs) : FaultSpec
{
    public override ScriptedFault ToFault() => new PortFlapFault(Host, AtNs, DownNs);
}

/// <summary>
/// <see cref="PostErrorFault"/>: post call <paramref name="Nth"/> on <paramref name="Queue"/> (<c>send</c>, <c>recv</c>,
/// <c>srq</c>) of <paramref name="Qp"/> (for <c>srq</c>: the host's SRQ of that creation ordinal) fails with
/// <paramref name="Errno"/> (default <c>ENOMEM</c>) at WR <paramref name="Wr"/> of its chain (default 0, clamped to the last).
/// </summary>
public sealed record PostErrorSpec(string Qp, string Queue, int Nth, int? Wr, string? Errno) : FaultSpec
{
    /// <summary>The errno a post fault returns when the file names none: a full work queue, as mlx5 reports it.</summary>
    public const string ErrnoDefault = "ENOMEM";

    public override ScriptedFault ToFault() =>
        new PostErrorFault(ScenarioNames.ParseQp(Qp), ScenarioNames.ParsePostQueue(Queue), Nth, Wr ?? 0, ScenarioNames.ParsePostErrno(Errno ?? ErrnoDefault));
}

/// <summary>
/// <see cref="CallErrorFault"/>: call <paramref name="Nth"/> (1-based, per host and call) of <paramref name="Call"/>
/// (<c>rdma_resolve_addr</c>, <c>rdma_resolve_route</c>, <c>rdma_create_qp</c>, <c>rdma_connect</c>, <c>rdma_accept</c>,
/// <c>ibv_create_cq</c>, <c>ibv_reg_mr</c>) on <paramref name="Host"/> (null = any) fails with <paramref name="Errno"/>
/// (default <c>ENOMEM</c>).
/// </summary>
public sealed record CallErrorSpec(string? Host, string Call, int Nth, string? Errno) : FaultSpec
{
    /// <summary>The errno a call fault returns when the file names none: resources used up.</summary>
    public const string ErrnoDefault = "ENOMEM";

    public override ScriptedFault ToFault() =>
        new CallErrorFault(Host, VerbsCallNames.Parse(Call), Nth, VerbsCallNames.ParseErrno(Errno ?? ErrnoDefault));
}

/// <summary>
/// <see cref="StaleConnFault"/>: the <paramref name="Nth"/> rdma_connect on <paramref name="Host"/> (null = any) is
/// answered with RDMA_CM_EVENT_REJECTED, status 10 (IB_CM_REJ_STALE_CONN).
/// </summary>
public sealed record StaleConnRejectSpec(string? Host, int Nth) : FaultSpec
{
    public override ScriptedFault ToFault() => new StaleConnFault(Host, Nth);
}

/// <summary>
/// <see cref="ControllerErrorFault"/>: the <paramref name="Nth"/> I/O command of kind <paramref name="Op"/> (<c>read</c>,
/// <c>write</c>, <c>any</c>) the target's controller executes (on NVMe queue <paramref name="Qid"/>; null = any) fails in
/// the block device with <paramref name="Status"/> (<c>unrecovered-read-error</c> 02/81, <c>write-fault</c> 02/80,
/// <c>internal-error</c> 00/06).
/// </summary>
public sealed record ControllerErrorSpec(string Op, int Nth, string Status, int? Qid) : FaultSpec
{
    public override ScriptedFault ToFault() =>
        new ControllerErrorFault(ScenarioNames.ParseControllerOp(Op), Nth, ScenarioNames.ParseControllerStatus(Status), Qid);
}

/// <summary>
/// <see cref="ControllerDelayFault"/>: the <paramref name="Nth"/> I/O command of kind <paramref name="Op"/> (on queue
/// <paramref name="Qid"/>; null = any) completes <paramref name="DelayNs"/> late in the block device.
/// </summary>
public sealed record ControllerDelaySpec(string Op, int Nth, long DelayNs, int? Qid) : FaultSpec
{
    public override ScriptedFault ToFault() => new ControllerDelayFault(ScenarioNames.ParseControllerOp(Op), Nth, DelayNs, Qid);
}
