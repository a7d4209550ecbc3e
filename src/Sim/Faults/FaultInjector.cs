using Harness.Sim.Core;
using Harness.Sim.Tracing;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Faults;

/// <summary>
/// Decides, at each named fault site, whether a fault happens: scripted faults by exact position, swarm faults by
/// the seed's fault streams. Every injected fault is written to the trace.
/// </summary>
public sealed class FaultInjector
{
    private readonly SimWorld _world;
    private readonly Dictionary<(string Host, CmEventType Type), int> _cmEventCounts = new();
    private readonly Dictionary<string, int> _connectCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Host, VerbsCall Call), int> _callCounts = new();

    /// <summary>Per scripted fault of the plan: whether it has done what it says at least once.</summary>
    private readonly bool[] _fired;

    /// <summary>Whether the plan can fail a post call at all, so a post pays one test when it cannot.</summary>
    private readonly bool _postErrors;

    public FaultInjector(SimWorld world, FaultPlan plan)
    {
        _world = world;
        Plan = plan;
        _fired = new bool[plan.Scripted.Count];
        _postErrors = plan.Scripted.Any(f => f is PostErrorFault) || plan.Swarm?.PostErrorRate > 0;
        _timedSwarm = plan.Swarm?.HasTimedFaults == true;
    }

    /// <summary>Send WRs whose post failed (from <c>bad_wr</c> on), per host: a transport may fail a request for each.</summary>
    private readonly Dictionary<string, long> _failedSendWrs = new(StringComparer.Ordinal);

    /// <summary>Send-queue WRs of <paramref name="host"/> whose post this injector failed (the failed WR and those after it in its chain).</summary>
    public long FailedSendWrs(string host) => _failedSendWrs.GetValueOrDefault(host);

    /// <summary>Whether the swarm draws faults that happen at a time (async events, port flaps, device removal, address change).</summary>
    private readonly bool _timedSwarm;

    public FaultPlan Plan { get; }

    /// <summary>
    /// The indices (into <see cref="FaultPlan.Scripted"/>) of the scripted faults that have not fired so far: a WR or CM
    /// event they select never came, a delayed CQ never got a completion in the window, a timed fault found no QP or
    /// came after the run ended. Such a fault tested nothing, which whoever wrote it must be told.
    /// </summary>
    public IReadOnlyList<int> NeverFired() => Enumerable.Range(0, _fired.Length).Where(i => !_fired[i]).ToArray();

    /// <summary>Notes that scripted fault <paramref name="index"/> has fired (timed faults are applied by the fabric).</summary>
    public void MarkFired(int index) => _fired[index] = true;

    /// <summary>Site "send WR starts": the Nth WR of a kind on a QP completes with a scripted or swarm error.</summary>
    public bool TryWcError(string host, int qpOrdinal, uint qpNum, WrKind kind, int nth, out WcStatus status)
    {
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++) // index loop: foreach over IReadOnlyList would allocate per WR
        {
            var fault = scripted[i];
            if (fault is WcErrorFault f && f.Nth == nth && KindMatches(f.Kind, kind) && f.Target.Matches(host, qpOrdinal))
            {
                _fired[i] = true;
                status = f.Status;
                RecordFault(host, qpNum, FaultSites.WcError, status.ToIbvName(), nth);
                return true;
            }
        }

        var swarm = Plan.Swarm;
        if (swarm != null && kind != WrKind.Recv && swarm.WcErrorRate > 0)
        {
            var r = _world.Random.Stream(StreamNames.WcError);
            if (r.Chance(swarm.WcErrorRate))
            {
                status = swarm.WcErrorStatuses[r.NextInt(swarm.WcErrorStatuses.Count)];
                RecordFault(host, qpNum, FaultSites.WcError, status.ToIbvName(), nth);
                return true;
            }
        }

        status = WcStatus.Success;
        return false;
    }

    /// <summary>
    /// Site "post call": whether call <paramref name="nth"/> (1-based, per queue) posting a chain of
    /// <paramref name="chainLength"/> WRs fails, and if so at which WR (<paramref name="badWr"/>) with which errno. The
    /// caller posts the WRs before <paramref name="badWr"/> and none from it on, as <c>ibv_post_send</c> does with
    /// <c>bad_wr</c>, and records the failure with <see cref="RecordPostError"/> when it reaches it. Allocation-free; one
    /// field test when the plan has no post fault.
    /// </summary>
    public bool TryPostError(string host, int ordinal, PostQueue queue, int nth, int chainLength, out int badWr, out int errno)
    {
        badWr = -1;
        errno = Errno.Ok;
        if (!_postErrors || chainLength <= 0)
        {
            return false;
        }

        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++) // index loop: foreach over IReadOnlyList would allocate per post
        {
            if (scripted[i] is PostErrorFault f && f.Queue == queue && f.Nth == nth && f.Target.Matches(host, ordinal))
            {
                _fired[i] = true;
                badWr = Math.Min(f.Wr, chainLength - 1);
                errno = f.Errno;
                CountFailedWrs(host, queue, chainLength - badWr);
                return true;
            }
        }

        var swarm = Plan.Swarm;
        if (swarm != null && swarm.PostErrorRate > 0)
        {
            var r = _world.Random.Stream(StreamNames.PostError);
            if (r.Chance(swarm.PostErrorRate))
            {
                // A full work queue is the error a running transport meets (mlx5: ENOMEM); EINVAL needs a bad WR.
                badWr = r.NextInt(chainLength);
                errno = Errno.ENOMEM;
                CountFailedWrs(host, queue, chainLength - badWr);
                return true;
            }
        }

        return false;
    }

    private void CountFailedWrs(string host, PostQueue queue, int wrs)
    {
        if (queue == PostQueue.Send)
        {
            _failedSendWrs[host] = _failedSendWrs.GetValueOrDefault(host) + wrs; // a failed post: not a hot path
        }
    }

    /// <summary>
    /// Writes an injected post failure to the trace: site <c>post_error</c>, the errno, the index of <c>bad_wr</c> in its
    /// chain and its wr_id (so an observer knows which request's WRs stopped there).
    /// </summary>
    public void RecordPostError(string host, uint qpNum, int badWr, ulong badWrId, int errno) =>
        _world.Record(new TraceRecord { Kind = TraceKind.Fault, Node = host, Qp = qpNum, WrId = badWrId, Op = FaultSites.PostError, Status = Errno.Name(errno), Arg = badWr });

    /// <summary>Site "packet sent": how many transmission attempts of this WR are lost in a row.</summary>
    public int PacketDrops(string host, int qpOrdinal, uint qpNum, WrKind kind, int nth, int retryCnt)
    {
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++) // index loop: foreach over IReadOnlyList would allocate per WR
        {
            var fault = scripted[i];
            if (fault is PacketDropFault f && f.Nth == nth && KindMatches(f.Kind, kind) && f.Target.Matches(host, qpOrdinal))
            {
                _fired[i] = true;
                RecordFault(host, qpNum, FaultSites.PacketDrop, null, f.Drops);
                return f.Drops;
            }
        }

        var swarm = Plan.Swarm;
        if (swarm == null || swarm.PacketLossRate <= 0)
        {
            return 0;
        }

        var r = _world.Random.Stream(StreamNames.PacketLoss);
        var drops = 0;
        while (drops <= retryCnt && r.Chance(swarm.PacketLossRate))
        {
            drops++;
        }

        if (drops > 0)
        {
            RecordFault(host, qpNum, FaultSites.PacketDrop, null, drops);
        }

        return drops;
    }

    /// <summary>Site "CM event generated": drop it, delay it, or let it pass. Returns the extra delay, or -1 to drop.</summary>
    public long CmEventFate(string host, CmEventType type)
    {
        var key = (host, type);
        _cmEventCounts.TryGetValue(key, out var count);
        _cmEventCounts[key] = ++count;
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++) // index loop: foreach over IReadOnlyList would allocate per WR
        {
            var fault = scripted[i];
            if (fault is DropCmEventFault d && d.EventType == type && d.Nth == count && HostMatches(d.Host, host))
            {
                _fired[i] = true;
                RecordFault(host, 0, FaultSites.CmDrop, type.ToName(), count);
                return -1;
            }

            if (fault is DelayCmEventFault y && y.EventType == type && y.Nth == count && HostMatches(y.Host, host))
            {
                _fired[i] = true;
                RecordFault(host, 0, FaultSites.CmDelay, type.ToName(), y.DelayNs);
                return y.DelayNs;
            }
        }

        var swarm = Plan.Swarm;
        if (swarm != null && swarm.CmEventDelayRate > 0)
        {
            var r = _world.Random.Stream(StreamNames.CmFaults);
            if (r.Chance(swarm.CmEventDelayRate))
            {
                var delay = 1 + (long)(r.NextDouble() * swarm.CmEventDelayNsMax);
                RecordFault(host, 0, FaultSites.CmDelay, type.ToName(), delay);
                return delay;
            }
        }

        return 0;
    }

    /// <summary>
    /// Site "send WR starts", for the swarm's faults that happen at a time: whether one happens now, and which (an async
    /// event on this QP, a port flap, device removal or address change of this host). The caller hands it to
    /// <see cref="Fabric.SimFabric.Inject"/>, so it fires as an event of its own after the WR's start, as any timed fault
    /// does. Draws from its own stream; one field test when the swarm has none of these kinds.
    /// </summary>
    public ScriptedFault? SwarmTimedFault(string host, int qpOrdinal)
    {
        if (!_timedSwarm)
        {
            return null;
        }

        var swarm = Plan.Swarm!;
        var r = _world.Random.Stream(StreamNames.TimedSwarm);

        // One draw per kind, always in this order, so a kind's draws do not depend on the others' rates.
        var async = r.NextDouble() < swarm.AsyncEventRate;
        var flap = r.NextDouble() < swarm.PortFlapRate;
        var removal = r.NextDouble() < swarm.DeviceRemovalRate;
        var addr = r.NextDouble() < swarm.AddrChangeRate;
        if (removal)
        {
            return new DeviceRemovalFault(host, _world.NowNs, swarm.DeviceRemovalOrder, swarm.DeviceRemovalGapNs);
        }

        if (flap)
        {
            var down = (long)r.LogUniform(SwarmProfile.PortDownNsMin, SwarmProfile.PortDownNsMax);
            return new PortFlapFault(host, _world.NowNs, down);
        }

        if (addr)
        {
            return new AddrChangeFault(host, _world.NowNs);
        }

        if (async)
        {
            var type = SwarmProfile.AsyncEventTypes[r.NextInt(SwarmProfile.AsyncEventTypes.Count)];
            return new AsyncEventFault(new QpSelector(host, qpOrdinal), type, _world.NowNs);
        }

        return null;
    }

    /// <summary>
    /// Site "rdma_connect": whether the peer's CM answers this connect (the host's Nth, 1-based) with REJECTED, reason
    /// IB_CM_REJ_STALE_CONN, instead of passing the REQ to its listener.
    /// </summary>
    public bool StaleConnReject(string host)
    {
        _connectCounts.TryGetValue(host, out var count);
        _connectCounts[host] = ++count;
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++)
        {
            if (scripted[i] is StaleConnFault f && f.Nth == count && HostMatches(f.Host, host))
            {
                _fired[i] = true;
                RecordFault(host, 0, FaultSites.StaleConn, "IB_CM_REJ_STALE_CONN", count);
                return true;
            }
        }

        var swarm = Plan.Swarm;
        if (swarm != null && swarm.StaleConnRate > 0 && _world.Random.Stream(StreamNames.StaleConn).Chance(swarm.StaleConnRate))
        {
            RecordFault(host, 0, FaultSites.StaleConn, "IB_CM_REJ_STALE_CONN", count);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Site "verbs/CM call": whether this call of <paramref name="call"/> on <paramref name="host"/> (counted per host and
    /// call, 1-based) fails, and with which errno. The swarm leaves the calls at time zero alone: those set up the target
    /// (its device, PD, poll groups), which neither the port nor SPDK survives failing (nvmf_rdma_create fails); it
    /// fails the calls made per connection. Records site <c>call_error</c> with the call and errno.
    /// </summary>
    public bool TryCallError(string host, VerbsCall call, out int errno) => TryCallError(host, call, swarmMay: true, out errno);

    /// <summary>
    /// <see cref="TryCallError(string, VerbsCall, out int)"/>, where <paramref name="swarmMay"/> false keeps the swarm off
    /// this call (scripted faults still count and fire).
    /// </summary>
    public bool TryCallError(string host, VerbsCall call, bool swarmMay, out int errno)
    {
        var key = (host, call);
        _callCounts.TryGetValue(key, out var count);
        _callCounts[key] = ++count;
        errno = Errno.Ok;
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++)
        {
            if (scripted[i] is CallErrorFault f && f.Call == call && f.Nth == count && HostMatches(f.Host, host))
            {
                _fired[i] = true;
                errno = f.Errno;
                break;
            }
        }

        var swarm = Plan.Swarm;
        if (errno == Errno.Ok && swarmMay && swarm != null && swarm.CallErrorRate > 0 && _world.NowNs > 0 &&
            _world.Random.Stream(StreamNames.CallError).Chance(swarm.CallErrorRate))
        {
            errno = VerbsCallNames.SwarmErrno(call);
        }

        if (errno == Errno.Ok)
        {
            return false;
        }

        RecordFault(host, 0, FaultSites.CallError, VerbsCallNames.Format(call) + " " + Errno.Name(errno), count);
        return true;
    }

    /// <summary>Extra visibility delay for a completion written now to CQ <paramref name="cqOrdinal"/> on <paramref name="host"/>.</summary>
    public long CqDelayNs(string host, int cqOrdinal)
    {
        var now = _world.NowNs;
        var scripted = Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++) // index loop: foreach over IReadOnlyList would allocate per WR
        {
            var fault = scripted[i];
            if (fault is DelayCqFault f && f.Cq == cqOrdinal && now >= f.FromNs && now < f.UntilNs &&
                string.Equals(f.Host, host, StringComparison.Ordinal))
            {
                _fired[i] = true;
                return f.DelayNs;
            }
        }

        return 0;
    }

    /// <summary>Writes a fault record to the trace.</summary>
    public void RecordFault(string host, uint qpNum, string site, string? status, long arg) =>
        _world.Record(new TraceRecord { Kind = TraceKind.Fault, Node = host, Qp = qpNum, Op = site, Status = status, Arg = arg });

    private static bool KindMatches(WrKind selector, WrKind actual) => selector == WrKind.Any ? actual != WrKind.Recv : selector == actual;

    private static bool HostMatches(string? selector, string host) => selector == null || string.Equals(selector, host, StringComparison.Ordinal);
}
