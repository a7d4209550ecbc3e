using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The host driver with the host side's fault executor attached, for a hardware run: the admin thread also polls the
/// executor (timed actions), every WRITE submitted is reported to it (the under-READ actions), and an I/O qpair whose
/// QP the executor silenced (RESET) takes no new commands until it has a new connection — a host application whose
/// connection went dark submits nothing more on it, and posting to a RESET QP would only fail locally. Everything else
/// is the wrapped <see cref="NvmeRdmaHostDriver"/>.
/// </summary>
public sealed class FaultingHostDriver : INvmeHostDriver
{
    private readonly NvmeRdmaHostDriver _inner;
    private readonly ICmId?[] _silenced;
    private readonly PollerSet _admin;

    /// <summary>Wraps <paramref name="inner"/>; the executor is made from its <see cref="Site"/> by <paramref name="executorFactory"/>; <paramref name="progress"/> is the workload's I/Os done.</summary>
    public FaultingHostDriver(NvmeRdmaHostDriver inner, Func<HostFaultSite, FaultActionExecutor> executorFactory, Func<long> progress)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(executorFactory);
        _inner = inner;
        _silenced = new ICmId?[inner.IoQpairCount];
        Site = new HostFaultSite(inner, progress);
        Executor = executorFactory(Site);
        Executor.Silenced = (qpair, qp) => _silenced[qpair] = qp.CmId;
        _admin = new PollerSet("host.admin");
        _admin.AddPoller(inner.AdminPoller);
        _admin.AddPoller(new FuncPoller("harness.faults.host", Executor.Poll));
    }

    /// <summary>The host's objects as the executor sees them.</summary>
    public HostFaultSite Site { get; }

    /// <summary>The host side's executor.</summary>
    public FaultActionExecutor Executor { get; }

    /// <summary>The wrapped driver.</summary>
    public NvmeRdmaHostDriver Inner => _inner;

    /// <inheritdoc/>
    public int IoQpairCount => _inner.IoQpairCount;

    /// <inheritdoc/>
    public IPoller AdminPoller => _admin;

    /// <inheritdoc/>
    public NvmeHostCounters Counters => _inner.Counters;

    /// <inheritdoc/>
    public bool IsClosed => _inner.IsClosed;

    /// <inheritdoc/>
    public IPoller GetQpairPoller(int qpair) => _inner.GetQpairPoller(qpair);

    /// <inheritdoc/>
    public NvmeQpairStatus GetQpairStatus(int qpair)
    {
        var status = _inner.GetQpairStatus(qpair);
        return status == NvmeQpairStatus.Ready && IsSilenced(qpair) ? NvmeQpairStatus.Connecting : status;
    }

    /// <inheritdoc/>
    public int RegisterMemory(DmaBuffer buffer) => _inner.RegisterMemory(buffer);

    /// <inheritdoc/>
    public void Start() => _inner.Start();

    /// <inheritdoc/>
    public int Submit(int qpair, in NvmeIo io)
    {
        if (IsSilenced(qpair))
        {
            return Errno.ENOTCONN;
        }

        var rc = _inner.Submit(qpair, io);
        if (rc == Errno.Ok && io.Opcode == Transport.Nvme.NvmeIoOpcode.Write)
        {
            Executor.OnWriteSubmitted(qpair, io.Length, io.Buffer);
        }

        return rc;
    }

    /// <inheritdoc/>
    public void Shutdown() => _inner.Shutdown();

    /// <inheritdoc/>
    public string Describe() => _inner.Describe();

    /// <summary>True while I/O qpair <paramref name="qpair"/> is still on the connection the executor silenced.</summary>
    private bool IsSilenced(int qpair)
    {
        if ((uint)qpair >= (uint)_silenced.Length || _silenced[qpair] is not { } id)
        {
            return false;
        }

        if (ReferenceEquals(_inner.GetQpair(qpair)?.CmId, id))
        {
            return true;
        }

        _silenced[qpair] = null; // reconnected (a new CM id): back in service
        return false;
    }
}
