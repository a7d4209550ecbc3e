using System.Globalization;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The target's side for the fault executor: QP ordinals are creation order over <see cref="NvmfRdmaTransport.Qpairs"/>
/// (every qpair the target ever created, as the simulator numbers a host's QPs), progress is the commands the controller
/// layer executed.
/// </summary>
public sealed class TargetFaultSite : FaultSite
{
    private readonly NvmfTargetSide _target;

    public TargetFaultSite(NvmfTargetSide target) => _target = target ?? throw new ArgumentNullException(nameof(target));

    /// <inheritdoc/>
    public override HardwareSide Side => HardwareSide.Target;

    /// <inheritdoc/>
    public override long Progress => _target.Controller.CommandsExecuted;

    /// <inheritdoc/>
    public override FaultQpLookup Find(int? ordinal, List<FaultQp> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var qpairs = _target.Transport.Qpairs;
        if (ordinal is not { } k)
        {
            for (var i = 0; i < qpairs.Count; i++)
            {
                Add(qpairs[i], i, into);
            }

            return into.Count > 0 ? FaultQpLookup.Found : FaultQpLookup.NotYet;
        }

        if (k >= qpairs.Count)
        {
            return FaultQpLookup.NotYet;
        }

        var q = qpairs[k];
        if (q.Destroyed || q.DisconnectStarted || q.GenericState is NvmfQpairState.Deactivating or NvmfQpairState.Error)
        {
            return FaultQpLookup.Gone;
        }

        return Add(q, k, into) ? FaultQpLookup.Found : FaultQpLookup.NotYet;
    }

    private static bool Add(RdmaQpair q, int ordinal, List<FaultQp> into)
    {
        if (q.Destroyed || q.DisconnectStarted || q.GenericState != NvmfQpairState.Enabled || q.Qp is not { } qp)
        {
            return false;
        }

        into.Add(new FaultQp(string.Create(CultureInfo.InvariantCulture, $"target QP #{ordinal} ({q})"), qp, q.CmId));
        return true;
    }
}
