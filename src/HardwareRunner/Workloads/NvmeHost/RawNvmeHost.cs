using System.Globalization;
using System.Text;
using Harness.Transport.Nvme;
using NvmeConnectData = Harness.Transport.Nvme.ConnectData;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// A minimal NVMe-oF/RDMA host that speaks the wire format directly (until the real host transport lands): one
/// controller with an admin qpair (Fabrics Connect for a dynamic controller, Property Set CC.EN = 1, CSTS.RDY) and I/O
/// qpairs connected with the controller's CNTLID, every CM id on one shared event channel, each qpair on its own
/// completion queue polled by its own poller. Keyed-SGL Read/Write capsules; responses matched by CID. A failed I/O
/// qpair completes its commands as ABORTED - SQ DELETION (each exactly once) and is reconnected with backoff; a failed
/// admin qpair resets the whole controller. Shutdown disconnects the I/O qpairs, sets CC.SHN, waits for CSTS.SHST and
/// disconnects the admin qpair.
/// </summary>
public sealed partial class RawNvmeHost : INvmeHostDriver
{
    /// <summary>CM events handled per admin poll (as SPDK's 32).</summary>
    public const int CmEventsPerPollMax = 32;

    private readonly INvmeHostSink _sink;
    private readonly RawQpair _admin;
    private readonly RawQpair[] _io;
    private readonly IPoller[] _ioPollers;
    private readonly Dictionary<DmaBuffer, IMemoryRegion> _registered = new();
    private ICmEventChannel? _channel;
    private IVerbsContext? _context;
    private IProtectionDomain? _pd;
    private ControllerPhase _phase = ControllerPhase.Idle;

    public RawNvmeHost(IRdmaStack stack, NvmeHostDriverOptions options, INvmeHostSink sink)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        var invalid = options.Validate();
        if (invalid != null)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        Stack = stack;
        Options = options;
        _sink = sink;
        SubNqn = Nqn.FromString(options.SubNqn);
        HostNqn = Nqn.FromString(options.HostNqn);
        _admin = new RawQpair(this, -1, 0, options.AdminQueueDepth);
        _io = new RawQpair[options.IoQpairs];
        _ioPollers = new IPoller[options.IoQpairs];
        for (var i = 0; i < _io.Length; i++)
        {
            var qpair = new RawQpair(this, i, (ushort)(i + 1), options.IoQueueDepth);
            _io[i] = qpair;
            _ioPollers[i] = new FuncPoller($"nvme_qpair_process_completions qid {i + 1}", () => PollIo(qpair));
        }

        AdminPoller = new FuncPoller("nvme_ctrlr_process_admin_completions", PollAdmin);
    }

    public NvmeHostDriverOptions Options { get; }

    public IRdmaStack Stack { get; }

    /// <inheritdoc/>
    public int IoQpairCount => _io.Length;

    /// <inheritdoc/>
    public IPoller AdminPoller { get; }

    /// <inheritdoc/>
    public NvmeHostCounters Counters { get; } = new();

    /// <inheritdoc/>
    public bool IsClosed => _phase == ControllerPhase.Closed;

    internal Nqn SubNqn { get; }

    internal Nqn HostNqn { get; }

    /// <inheritdoc/>
    public IPoller GetQpairPoller(int qpair) => _ioPollers[qpair];

    /// <inheritdoc/>
    public NvmeQpairStatus GetQpairStatus(int qpair)
    {
        var q = _io[qpair];
        if (q.GaveUp)
        {
            return NvmeQpairStatus.GaveUp;
        }

        if (_phase is ControllerPhase.ShuttingDown or ControllerPhase.Releasing or ControllerPhase.Closed)
        {
            return q.State == RawQpairState.Closed ? NvmeQpairStatus.Closed : NvmeQpairStatus.Connecting;
        }

        return _phase == ControllerPhase.Ready && q.State == RawQpairState.Running ? NvmeQpairStatus.Ready : NvmeQpairStatus.Connecting;
    }

    /// <inheritdoc/>
    public int RegisterMemory(DmaBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (_pd == null || _registered.ContainsKey(buffer))
        {
            return Errno.EINVAL;
        }

        var rc = _pd.RegMr(buffer, buffer.Address, (ulong)buffer.Length, AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite, out var mr);
        if (rc == Errno.Ok)
        {
            _registered.Add(buffer, mr!);
        }

        return rc;
    }

    /// <inheritdoc/>
    public void Start()
    {
        if (_phase != ControllerPhase.Idle)
        {
            return;
        }

        var rc = Stack.Verbs.GetDeviceList(out var devices);
        if (rc != Errno.Ok || devices.Count == 0 || devices[0].Open(out _context) != Errno.Ok || _context!.AllocPd(out _pd) != Errno.Ok
            || Stack.Cm.CreateEventChannel(out _channel) != Errno.Ok)
        {
            Violation(NvmeHostInvariants.Protocol, $"host: cannot open the RDMA device, its protection domain or a CM event channel ({Errno.Name(rc)})");
            GiveUpAll();
            return;
        }

        _phase = ControllerPhase.ConnectingAdmin;
        ConnectQpair(_admin, NvmeConnectData.DynamicControllerId);
    }

    /// <inheritdoc/>
    public int Submit(int qpair, in NvmeIo io)
    {
        if ((uint)qpair >= (uint)_io.Length || io.Buffer == null || !_registered.TryGetValue(io.Buffer, out var mr)
            || io.Offset < 0 || io.Length <= 0 || io.Offset + io.Length > io.Buffer.Length || io.BlockCount is < 1 or > ushort.MaxValue + 1
            || io.Opcode is not (NvmeIoOpcode.Read or NvmeIoOpcode.Write))
        {
            return Errno.EINVAL;
        }

        if (_phase != ControllerPhase.Ready)
        {
            return Errno.ENOTCONN;
        }

        var rw = new ReadWriteCommand
        {
            Opcode = io.Opcode,
            Nsid = 1,
            Slba = io.Slba,
            Nlb = (ushort)(io.BlockCount - 1),
            Dptr = SglDescriptor.Keyed(io.Buffer.Address + (ulong)io.Offset, (uint)io.Length, mr.Rkey),
        };
        return _io[qpair].Submit(rw.ToCommand(), CommandKind.Io, io.Tag);
    }

    /// <inheritdoc/>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"controller {_phase}; ").Append(_admin.Describe());
        foreach (var q in _io)
        {
            sb.Append("; ").Append(q.Describe());
        }

        return sb.ToString();
    }

    internal void Violation(string invariant, string detail) => _sink.OnViolation(invariant, detail);

    internal void OnIoCompleted(RawQpair qpair, ulong tag, in NvmeCompletion cpl) => _sink.OnIoCompleted(qpair.Index, tag, cpl);

    private int PollAdmin()
    {
        if (_phase is ControllerPhase.Idle or ControllerPhase.Closed)
        {
            return 0;
        }

        var work = PollCm() + PollAsyncEvents() + _admin.Poll();
        var now = Stack.Clock.NowNs;
        work += _admin.ProgressTeardown(now);
        foreach (var q in _io)
        {
            work += q.ProgressTeardown(now);
        }

        return work + StepController(now);
    }

    private int PollIo(RawQpair qpair) => qpair.Poll() + qpair.ProgressTeardown(Stack.Clock.NowNs);

    private int PollCm()
    {
        var work = 0;
        while (work < CmEventsPerPollMax && _channel!.GetEvent(out var ev) == Errno.Ok)
        {
            work++;
            Counters.CmEvents++;
            if (ev!.Id.Context is RawQpair qpair)
            {
                qpair.OnCmEvent(ev, _pd!);
            }
            else
            {
                Violation(NvmeHostInvariants.Protocol, $"host: CM event {ev} for an id that is not a qpair of this host");
            }

            var rc = Stack.Cm.AckEvent(ev);
            if (rc != Errno.Ok)
            {
                Violation(NvmeHostInvariants.Protocol, $"host: rdma_ack_cm_event({ev}) failed: {Errno.Name(rc)}");
            }
        }

        return work;
    }

    private int PollAsyncEvents()
    {
        var work = 0;
        while (_context!.GetAsyncEvent(out var ev) == Errno.Ok)
        {
            _context.AckAsyncEvent(ev);
            Counters.AsyncEvents++;
            work++;
        }

        return work;
    }
}
