using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Nic;
using Harness.Sim.Tracing;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Cm;

/// <summary>States of a simulated CM id (the connection protocol as the IB CM runs it).</summary>
public enum CmIdState
{
    Idle,
    AddrQuery,
    AddrResolved,
    RouteQuery,
    RouteResolved,
    Bound,
    Listening,
    ConnectRequest,
    Connecting,
    Accepting,
    Connected,
    DisconnectSent,
    DisconnectReceived,
    TimeWait,
    Closed,
    Destroyed,
}

/// <summary>
/// A simulated CM id. Its protocol messages (REQ, REP, RTU, REJ, DREQ, DREP) travel as scheduled events; its events
/// reach its channel in per-id order, at a seed-chosen delay, so events of different ids interleave differently per seed.
/// </summary>
public sealed partial class SimCmId : ICmId, ISimEventTarget
{
    internal const int EvDeliver = 1;
    internal const int EvAddrResolved = 2;
    internal const int EvRouteResolved = 3;
    internal const int EvReqArrived = 4;
    internal const int EvRepArrived = 5;
    internal const int EvRtuArrived = 6;
    internal const int EvRejArrived = 7;
    internal const int EvDreqArrived = 8;
    internal const int EvDrepArrived = 9;
    internal const int EvTimewaitDone = 10;
    internal const int EvAutoDisconnect = 11;
    internal const int EvUnreachable = 12;
    internal const int EvDreqTimedOut = 13;

    /// <summary>How long an active connect waits for an answer before UNREACHABLE.</summary>
    public const long ConnectTimeoutNsMax = 4_000_000_000;

    /// <summary>How long a DREQ waits for its DREP (all of the IB CM's retries) before DISCONNECTED is reported anyway.</summary>
    public const long DisconnectTimeoutNsMax = 4_000_000_000;

    private readonly Queue<CmEvent> _scheduled = new();
    private long _lastDeliveryNs;

    internal SimCmId(SimCm cm, SimCmEventChannel channel, object? context, long serial)
    {
        Cm = cm;
        ChannelImpl = channel;
        Context = context;
        Serial = serial;
    }

    /// <inheritdoc/>
    public object? Context { get; set; }

    /// <inheritdoc/>
    public ICmEventChannel Channel => ChannelImpl;

    /// <inheritdoc/>
    public IVerbsContext? Verbs { get; private set; }

    /// <inheritdoc/>
    public IQueuePair? Qp => QpImpl;

    /// <inheritdoc/>
    public IPEndPoint? LocalAddress { get; private set; }

    /// <inheritdoc/>
    public IPEndPoint? PeerAddress { get; private set; }

    /// <summary>Fabric-wide unique number (traces name ids by it).</summary>
    public long Serial { get; }

    public CmIdState State { get; private set; } = CmIdState.Idle;

    /// <summary>Events got from the channel and not yet acked; destroy waits for this to reach zero.</summary>
    public int UnackedEvents { get; internal set; }

    public bool Destroyed => State == CmIdState.Destroyed;

    /// <summary>Events raised for this id and not yet in its channel (the CM's latency and delay faults); 0 once destroyed.</summary>
    public int EventsInFlight => Destroyed ? 0 : _scheduled.Count;

    internal SimCm Cm { get; }

    internal SimCmEventChannel ChannelImpl { get; }

    internal SimQp? QpImpl { get; private set; }

    /// <summary>The other end of the connection (set by REQ/REP).</summary>
    internal SimCmId? Peer { get; private set; }

    internal ConnParam LocalParam { get; private set; }

    internal ConnParam RemoteParam { get; private set; }

    private SimWorld World => Cm.World;

    private Fabric.SimFabric Fabric => Cm.Host.Fabric;

    private string HostName => Cm.Host.HostName;

    /// <inheritdoc/>
    public override string ToString() => $"{HostName}/cm_id#{Serial} ({State})";

    /// <summary>Queues event <paramref name="type"/> for this id's channel (caller holds the gate).</summary>
    internal void Raise(CmEventType type, int status, ConnParam param, ICmId? listenId = null, SimCmId? about = null)
    {
        var delay = Fabric.Faults.CmEventFate(HostName, type);
        if (delay < 0)
        {
            return; // dropped by the fault plan
        }

        var target = about ?? this;
        var jitter = Fabric.Options.CmEventJitterNsMax > 0
            ? World.Random.Stream(StreamNames.CmOrder).NextInt((int)Math.Min(int.MaxValue, Fabric.Options.CmEventJitterNsMax))
            : 0;
        var at = Math.Max(target._lastDeliveryNs, World.NowNs + Fabric.Options.CmEventLatencyNs + jitter + delay);
        target._lastDeliveryNs = at;
        var copy = param;
        copy.PrivateData = param.PrivateData.ToArray();
        target._scheduled.Enqueue(new CmEvent(target, listenId, type, status, copy, Fabric.NextCmEventSequence()));
        World.ScheduleAt(at, target, EvDeliver);
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        switch (kind)
        {
            case EvDeliver: Deliver(); break;
            case EvAddrResolved: AddrResolvedArrived(a != 0); break;
            case EvRouteResolved: RouteResolvedArrived(); break;
            case EvReqArrived: ReqArrived(Fabric.CmId(a)); break;
            case EvRepArrived: RepArrived(); break;
            case EvRtuArrived: RtuArrived(); break;
            case EvRejArrived: RejArrived((int)a); break;
            case EvDreqArrived: DreqArrived(); break;
            case EvDrepArrived: DrepArrived(); break;
            case EvTimewaitDone: TimewaitDone(); break;
            case EvAutoDisconnect: AutoDisconnect(); break;
            case EvUnreachable: Unreachable(); break;
            case EvDreqTimedOut: DreqTimedOut(); break;
            default: throw new InvalidOperationException($"{this}: unknown event kind {kind}");
        }
    }

    private void Deliver()
    {
        var ev = _scheduled.Dequeue();
        if (Destroyed)
        {
            return;
        }

        ChannelImpl.Enqueue(ev);
        World.Record(new TraceRecord { Kind = TraceKind.CmEvent, Node = HostName, Qp = QpImpl?.QpNum ?? 0, Op = ev.EventType.ToName(), Arg = Serial, Length = (ulong)ev.Status });
    }

    private void SetState(CmIdState next) => State = next;

    private void TraceCall(string call, int rc) =>
        World.Record(new TraceRecord { Kind = TraceKind.CmCall, Node = HostName, Qp = QpImpl?.QpNum ?? 0, Op = call, Status = Errno.Name(rc), Arg = Serial });
}
