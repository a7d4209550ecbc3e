using System.Globalization;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Host;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The host's side for the fault executor: QP 0 is the current controller's admin qpair, QP k the current connection
/// of I/O qpair k (the simulator's ordinals 0..N are these qpairs' first connections); progress is the workload's I/Os
/// done; data MRs are the controller's memory map's; controller actions go to the driver's supervisor.
/// </summary>
public sealed class HostFaultSite : FaultSite
{
    private readonly NvmeRdmaHostDriver _driver;
    private readonly Func<long> _progress;

    public HostFaultSite(NvmeRdmaHostDriver driver, Func<long> progress)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
    }

    /// <inheritdoc/>
    public override HardwareSide Side => HardwareSide.Host;

    /// <inheritdoc/>
    public override long Progress => _progress();

    /// <inheritdoc/>
    public override FaultQpLookup Find(int? ordinal, List<FaultQp> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (ordinal is not { } k)
        {
            Add(_driver.Controller?.AdminQpair, 0, into);
            for (var i = 0; i < _driver.IoQpairCount; i++)
            {
                Add(_driver.GetQpair(i), i + 1, into);
            }

            return into.Count > 0 ? FaultQpLookup.Found : FaultQpLookup.NotYet;
        }

        if (k > _driver.IoQpairCount)
        {
            return FaultQpLookup.Gone;
        }

        var qpair = k == 0 ? _driver.Controller?.AdminQpair : _driver.GetQpair(k - 1);
        return Add(qpair, k, into) ? FaultQpLookup.Found : FaultQpLookup.NotYet;
    }

    /// <inheritdoc/>
    public override int DeregisterData(int qpair, DmaBuffer buffer, out uint rkey)
    {
        rkey = 0;
        if (_driver.Controller?.MemoryMap is not { } map)
        {
            return Errno.ENOTCONN;
        }

        _ = map.Translate(buffer.Address, 1, out _, out rkey);
        return map.Unregister(buffer); // the next submission on this buffer registers it again (a new rkey)
    }

    /// <inheritdoc/>
    public override int RequestControllerAction(ControllerActionKind kind)
    {
        _driver.RequestControllerAction(kind);
        return Errno.Ok;
    }

    private static bool Add(NvmeRdmaQpair? qpair, int ordinal, List<FaultQp> into)
    {
        if (qpair is not { State: NvmeRdmaQpairState.Running, IsFreed: false, CmId: { Qp: { } qp } id })
        {
            return false;
        }

        into.Add(new FaultQp(string.Create(CultureInfo.InvariantCulture, $"host QP #{ordinal} ({qpair.Name}, qp 0x{qp.QpNum:x})"), qp, id));
        return true;
    }
}
