using Harness.Sim.Core;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Sim.Faults;

/// <summary>
/// The fault site "block device below the NVMe-oF controller": decides, for each Read and Write the target's controller
/// executes, whether it fails with an NVMe status and how late it completes, from the plan's scripted
/// <see cref="ControllerErrorFault"/> / <see cref="ControllerDelayFault"/> (by position) and the swarm's
/// <see cref="SwarmProfile.ControllerErrorRate"/> / <see cref="SwarmProfile.ControllerDelayRate"/> (from
/// <see cref="StreamName"/>, a stream of its own). Every fault is written to the trace (status or opcode, and the queue id or the delay) as sites
/// <see cref="FaultSites.ControllerError"/> and <see cref="FaultSites.ControllerDelay"/>.
/// </summary>
public sealed class ControllerFaultInjector : INvmfIoFaults
{
    /// <summary>Random stream of the swarm's controller-layer faults during a run.</summary>
    public const string StreamName = "faults.ctrlr";

    private readonly SimWorld _world;
    private readonly FaultInjector _faults;
    private readonly string _node;

    /// <summary>Commands seen so far, by (kind, qid) with kind Any and qid 0 for the totals over kinds and queues.</summary>
    private readonly Dictionary<(ControllerIoKind Kind, int Qid), int> _counts = new();

    /// <summary>Completions failed so far, by status (DNR and More cleared).</summary>
    private readonly Dictionary<NvmeStatus, long> _injected = new();

    /// <summary>Creates the site for the target named <paramref name="node"/> (the trace's node of its fault records).</summary>
    public ControllerFaultInjector(SimWorld world, FaultInjector faults, string node)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(faults);
        _world = world;
        _faults = faults;
        _node = node;
    }

    /// <summary>True when the plan can do anything here (so a caller may leave the site out when it cannot).</summary>
    public static bool Applies(FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Scripted.Any(f => f is ControllerErrorFault or ControllerDelayFault) || plan.Swarm?.ControllerErrorRate > 0 || plan.Swarm?.ControllerDelayRate > 0;
    }

    /// <inheritdoc/>
    public NvmfIoFault OnIo(ushort cntlid, ushort qid, NvmeIoOpcode opcode, ulong slba)
    {
        var kind = opcode == NvmeIoOpcode.Read ? ControllerIoKind.Read : ControllerIoKind.Write;
        Span<int> nth = stackalloc int[4];
        nth[0] = Count(ControllerIoKind.Any, 0);
        nth[1] = Count(kind, 0);
        nth[2] = Count(ControllerIoKind.Any, qid);
        nth[3] = Count(kind, qid);
        var status = NvmeStatus.Success;
        long delayNs = 0;
        var scripted = _faults.Plan.Scripted;
        for (var i = 0; i < scripted.Count; i++)
        {
            if (scripted[i] is ControllerErrorFault e && status.IsSuccess && Selects(e.Op, e.Qid, e.Nth, kind, qid, nth))
            {
                _faults.MarkFired(i);
                status = e.Status;
            }
            else if (scripted[i] is ControllerDelayFault d && delayNs == 0 && Selects(d.Op, d.Qid, d.Nth, kind, qid, nth))
            {
                _faults.MarkFired(i);
                delayNs = d.DelayNs;
            }
        }

        if (_faults.Plan.Swarm is { } swarm && (swarm.ControllerErrorRate > 0 || swarm.ControllerDelayRate > 0))
        {
            // Two draws per command, always, so one kind's draws do not depend on the other's rate.
            var r = _world.Random.Stream(StreamName);
            var fail = r.NextDouble() < swarm.ControllerErrorRate;
            var late = r.NextDouble() < swarm.ControllerDelayRate;
            var statuses = kind == ControllerIoKind.Read ? SwarmProfile.ControllerReadErrors : SwarmProfile.ControllerWriteErrors;
            var drawn = statuses[r.NextInt(statuses.Count)];
            var drawnDelay = (long)r.LogUniform(SwarmProfile.ControllerDelayNsMin, SwarmProfile.ControllerDelayNsMax);
            status = fail && status.IsSuccess ? drawn : status;
            delayNs = late && delayNs == 0 ? drawnDelay : delayNs;
        }

        if (status.IsError)
        {
            _faults.RecordFault(_node, 0, FaultSites.ControllerError, status.ToString(), qid);
            var key = status.WithDnr(false).WithMore(false);
            _injected[key] = _injected.GetValueOrDefault(key) + 1; // a failed I/O: not a hot path
        }

        if (delayNs > 0)
        {
            _faults.RecordFault(_node, 0, FaultSites.ControllerDelay, opcode == NvmeIoOpcode.Read ? "read" : "write", delayNs);
        }

        return new NvmfIoFault(status, delayNs);
    }

    /// <summary>How many commands this site failed with <paramref name="status"/> (DNR and More ignored).</summary>
    public long Injected(NvmeStatus status) => _injected.GetValueOrDefault(status.WithDnr(false).WithMore(false));

    private static bool Selects(ControllerIoKind op, int? faultQid, int wanted, ControllerIoKind kind, ushort qid, ReadOnlySpan<int> nth)
    {
        if ((op != ControllerIoKind.Any && op != kind) || (faultQid != null && faultQid != qid))
        {
            return false;
        }

        var index = (op == ControllerIoKind.Any ? 0 : 1) + (faultQid == null ? 0 : 2);
        return nth[index] == wanted;
    }

    private int Count(ControllerIoKind kind, int qid)
    {
        _counts.TryGetValue((kind, qid), out var n);
        _counts[(kind, qid)] = ++n;
        return n;
    }
}
