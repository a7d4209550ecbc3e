using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Transport.Nvmf;

/// <summary>
/// The generic NVMe-oF layer behind the RDMA transport, modelled on SPDK's <c>lib/nvmf/ctrlr.c</c> and
/// <c>subsystem.c</c> with one subsystem and one namespace (NSID 1, a <see cref="SparseBlockStore"/>): Fabrics
/// Connect and dynamic controllers, properties (CAP/VS/CC/CSTS), admin commands (Identify, Get Log Page, features,
/// Keep Alive), NVM I/O (Read, Write, Flush, Write Zeroes, Dataset Management) and the keep-alive timer.
/// </summary>
/// <remarks>
/// <para><see cref="Execute"/> is total: any SQE and any data length gets exactly one completion before it returns,
/// with an NVMe error status for anything malformed or unsupported, and never throws for wire input.</para>
/// <para>Disconnects the target starts (keep-alive expiry, controller reset/shutdown, the I/O qpairs of a controller
/// whose admin qpair went) are queued and issued from <see cref="Poll"/>, the acceptor's thread, as SPDK sends them
/// as messages to the owning threads: <see cref="Execute"/> and <see cref="OnQpairDisconnect"/> never call back into
/// the transport.</para>
/// <para>Steady-state I/O does not allocate: data moves between the request and the store's chunks directly, and
/// admin data is built in one scratch buffer. All state is guarded by one lock, so poll groups may run on several
/// threads.</para>
/// </remarks>
public sealed partial class NvmfTarget : INvmfRequestHandler
{
    /// <summary>The one namespace.</summary>
    public const uint NamespaceId = 1;

    /// <summary>NSID meaning "all namespaces".</summary>
    public const uint BroadcastNamespaceId = 0xFFFFFFFF;

    /// <summary>Smallest dynamic controller ID (<c>NVMF_MIN_CNTLID</c>).</summary>
    public const ushort CntlidMin = 1;

    /// <summary>Largest dynamic controller ID (<c>NVMF_MAX_CNTLID</c>; FFF0h..FFFFh are reserved).</summary>
    public const ushort CntlidMax = 0xFFEF;

    private const int ScratchBytesMin = 4096;

    private readonly object _gate = new();
    private readonly IClock _clock;
    private readonly List<NvmfController> _controllers = new();
    private readonly Queue<NvmfController> _pendingDisconnects = new();
    private IReactor? _acceptor;
    private int _unthreadedControllers; // controllers whose keep-alive timer this target's Poll runs
    private readonly List<INvmfQpair> _disconnectScratch = new();
    private readonly DsmRange[] _dsmRanges = new DsmRange[256];
    private readonly byte[] _scratch;
    private readonly byte[] _zeros = new byte[ScratchBytesMin];
    private readonly Nqn _subNqn;
    private readonly NvmeText20 _serialNumber;
    private readonly NvmeText40 _modelNumber;
    private readonly NvmeText8 _firmwareRevision;
    private ushort _nextCntlid = CntlidMin;

    /// <summary>Extra completion delay the block device gave the command being executed (set by <see cref="AskDevice"/>).</summary>
    private long _completionDelayNs;

    /// <summary>The command being executed is an Abort for the transport (set by <see cref="Abort"/>, SQID and CID below).</summary>
    private bool _abortPending;
    private ushort _abortSqid;
    private ushort _abortCid;

    /// <summary>Creates the subsystem and its namespace.</summary>
    /// <param name="options">Configuration; validated here.</param>
    /// <param name="clock">Time for the keep-alive timer (the transport's clock; virtual in simulation).</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public NvmfTarget(NvmfTargetOptions options, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        options.Validate();
        Options = options;
        _clock = clock;
        _subNqn = Nqn.FromString(options.SubNqn);
        _serialNumber = NvmeText20.FromString(options.SerialNumber);
        _modelNumber = NvmeText40.FromString(options.ModelNumber);
        _firmwareRevision = NvmeText8.FromString(options.FirmwareRevision);
        Namespace = new SparseBlockStore(options.BlockSize, (ulong)(options.NamespaceBytes / options.BlockSize), options.ChunkBytes, options.MemoryBytesMax);
        _scratch = new byte[Math.Max(ScratchBytesMin, options.ErrorLogEntriesMax * ErrorInformationLogEntry.Size)];
        Capabilities = BuildCapabilities(options);
    }

    /// <summary>The configuration.</summary>
    public NvmfTargetOptions Options { get; }

    /// <summary>Namespace 1's data.</summary>
    public SparseBlockStore Namespace { get; }

    /// <summary>CAP as every controller reports it.</summary>
    public ControllerCapabilities Capabilities { get; }

    /// <summary>VS as every controller reports it (2.0.0, as SPDK's target).</summary>
    public NvmeVersion Version => NvmeVersion.V2_0;

    /// <summary>Live controllers in creation order.</summary>
    public IReadOnlyList<NvmfController> Controllers => _controllers;

    /// <summary>
    /// The block device's faults (null: none): consulted for each Read and Write that passed the controller's checks,
    /// before it touches the namespace.
    /// </summary>
    public INvmfIoFaults? IoFaults { get; set; }

    /// <summary>Commands whose completion the block device delayed.</summary>
    public long CompletionsDelayed { get; private set; }

    /// <summary>Commands executed.</summary>
    public long CommandsExecuted { get; private set; }

    /// <summary>Abort commands handed to the transport (the command they name was not a held AER).</summary>
    public long AbortsToTransport { get; private set; }

    /// <summary>Commands completed with an error status.</summary>
    public long CommandsFailed { get; private set; }

    /// <summary>Controllers whose keep-alive timer expired.</summary>
    public long KeepAliveExpirations { get; private set; }

    /// <summary>The live controller with <paramref name="cntlid"/>, or null.</summary>
    public NvmfController? FindController(ushort cntlid)
    {
        lock (_gate)
        {
            return Find(cntlid);
        }
    }

    /// <inheritdoc/>
    public void Execute(INvmfRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        NvmfResult result;
        long delayNs;
        bool abort;
        ushort abortSqid, abortCid;
        lock (_gate)
        {
            _completionDelayNs = 0;
            _abortPending = false;
            var controller = request.Qpair.Controller as NvmfController;
            var decoded = NvmeCommand.TryDecode(request.Command, out var cmd);
            result = decoded.IsError ? decoded : Dispatch(request, cmd, controller);
            CommandsExecuted++;
            if (result.Status.IsError)
            {
                CommandsFailed++;
                RecordError(controller, request.Qpair, cmd, result.Status);
            }

            delayNs = _completionDelayNs;
            CompletionsDelayed += delayNs > 0 ? 1 : 0;
            abort = _abortPending;
            (abortSqid, abortCid) = (_abortSqid, _abortCid);
            _abortPending = false;
        }

        if (abort)
        {
            // Outside the lock: the transport sends the Abort to the poll groups' threads (and a transport without
            // them completes it here).
            request.AbortCommand(abortSqid, abortCid);
            return;
        }

        if (result.IsHeld)
        {
            return; // completed later: an event, an Abort, or the admin qpair's end (FreeAers)
        }

        if (delayNs > 0)
        {
            request.CompleteAfter(result.Status, result.Dw0, delayNs);
        }
        else
        {
            Complete(request, result);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// HEAD at DEACTIVATING (nvmf.c:spdk_nvmf_qpair_disconnect:1712–1725): the admin qpair's held AERs end
    /// (<c>nvmf_qpair_free_aer</c>) and the admin qpair stops being active for I/O CONNECTs; the qpair keeps its controller
    /// and its QID until <see cref="OnQpairFiniComplete"/>.
    /// </remarks>
    public void OnQpairDisconnect(INvmfQpair qpair)
    {
        ArgumentNullException.ThrowIfNull(qpair);
        lock (_gate)
        {
            if (qpair.Controller is not NvmfController controller || controller.Owner != this)
            {
                return; // never connected (or connected elsewhere): nothing to release
            }

            Check.That(!controller.IsDestroyed && controller.Owns(qpair), InvariantNames.ObjectLifetime, (Controller: controller, Qpair: qpair),
                static s => $"{s.Qpair} disconnects from {s.Controller}, which no longer holds it (destructed or QID released early)");
            FailHeldFirst(qpair, NvmeStatus.AbortedSqDeletion); // over RDMA never held here (the transport hands a pair over together)
            if (controller.AdminQpair == qpair)
            {
                FreeAers(controller);
                controller.AdminQpairDeactivating = true;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>_nvmf_transport_qpair_fini_complete</c> (nvmf.c:1563) and <c>_nvmf_ctrlr_free_from_qpair</c> (nvmf.c:1544): the
    /// admin qpair pointer goes, the QID leaves the qpair mask, and a controller with no qpair left is destructed. HEAD
    /// runs these as messages to the controller thread and then the subsystem thread; here they run at once under the
    /// target's one lock, which orders them with CONNECTs the same way.
    /// </remarks>
    public void OnQpairFiniComplete(INvmfQpair qpair)
    {
        ArgumentNullException.ThrowIfNull(qpair);
        lock (_gate)
        {
            if (qpair.Controller is not NvmfController controller || controller.Owner != this)
            {
                return; // never connected, a failed CONNECT, or told already
            }

            Check.That(controller.Owns(qpair) && !controller.IsDestroyed, InvariantNames.ObjectLifetime, (Controller: controller, Qpair: qpair),
                static s => $"{s.Qpair}'s fini completes for {s.Controller}, which does not hold its QID {s.Qpair.Qid}");
            if (controller.AdminQpair == qpair)
            {
                controller.AdminQpair = null;
                controller.AdminQpairDeactivating = false;
            }
            else
            {
                controller.DetachIo(qpair);
                TryCompletePendingReset(controller);
            }

            qpair.Controller = null;
            if (controller.QpairMaskCount == 0)
            {
                DestructIfUnused(controller);
            }
        }
    }

    /// <summary>
    /// <c>nvmf_qpair_free_aer</c> (ctrlr.c:4631), called as the admin qpair starts to go (nvmf.c:spdk_nvmf_qpair_disconnect
    /// with outstanding requests): the held AERs end. SPDK frees them without a response; here they complete ABORTED -
    /// SQ DELETION and the transport, the qpair no longer active, frees them without sending it.
    /// </summary>
    private static void FreeAers(NvmfController controller)
    {
        while (controller.TakeAnyAer() is { } aer)
        {
            aer.Complete(NvmeStatus.AbortedSqDeletion, 0);
        }
    }

    /// <inheritdoc/>
    public int Poll(long nowNs)
    {
        // Most polls find nothing to do: look without the lock first (a change made meanwhile is seen by the next poll,
        // as SPDK's pollers see it), since under Coyote every monitor taken builds a controlled block (a tenth of a
        // schedule's CPU was this lock).
        if (Volatile.Read(ref _unthreadedControllers) == 0 && _connectRetries.Count == 0 && _pendingDisconnects.Count == 0)
        {
            return 0;
        }

        var work = 0;
        lock (_gate)
        {
            for (var i = 0; i < _controllers.Count; i++)
            {
                if (_controllers[i].Thread == null && CheckKeepAlive(_controllers[i], nowNs))
                {
                    work++; // no controller thread: its timer runs here
                }
            }

            RetryDueConnects(nowNs);
            work += _connectRetriesDone.Count + _pendingDisconnects.Count;
            FlushDisconnects();
        }

        SendRetriedConnects();
        return work;
    }

    /// <inheritdoc/>
    public void OnAcceptorStarted(IReactor acceptor) => _acceptor = acceptor;

    /// <summary>Work for <see cref="Poll"/> was queued (maybe from another thread): its thread runs it next round.</summary>
    private void WakeAcceptor() => _acceptor?.Notify();

    /// <inheritdoc/>
    public long NextPollNs(long nowNs)
    {
        if (Volatile.Read(ref _unthreadedControllers) == 0 && _connectRetries.Count == 0)
        {
            return ITimedPoller.Never;
        }

        lock (_gate)
        {
            var next = new NextRun(nowNs);
            for (var i = 0; i < _controllers.Count; i++)
            {
                if (_controllers[i].Thread == null)
                {
                    next.Add(KeepAliveDueNs(_controllers[i]));
                }
            }

            for (var i = 0; i < _connectRetries.Count; i++)
            {
                next.Add(_connectRetries[i].DueNs);
            }

            return next.Ns;
        }
    }

    private NvmfResult Dispatch(INvmfRequest request, in NvmeCommand cmd, NvmfController? controller)
    {
        if (controller == null || controller.Owner != this)
        {
            return cmd.IsFabrics && cmd.FabricsType == FabricsCommandType.Connect
                ? Connect(request, cmd)
                : NvmeStatus.CommandSequenceError; // nothing but Connect before Connect
        }

        Check.That(!controller.IsDestroyed, InvariantNames.ObjectLifetime, (Controller: controller, request.Qpair),
            static s => $"{s.Qpair} executes a command for {s.Controller}, destructed while the qpair still named it");

        var admin = controller.AdminQpair == request.Qpair;
        if (cmd.IsFabrics)
        {
            return admin ? AdminFabrics(controller, cmd) : NvmeStatus.InvalidOpcode;
        }

        return admin ? Admin(request, controller, cmd) : Io(request, controller, cmd);
    }

    private NvmfResult AdminFabrics(NvmfController controller, in NvmeCommand cmd) => cmd.FabricsType switch
    {
        FabricsCommandType.PropertyGet => PropertyGet(controller, cmd),
        FabricsCommandType.PropertySet => PropertySet(controller, cmd),
        _ => NvmeStatus.InvalidOpcode, // Connect again, authentication, Disconnect: as SPDK
    };

    private void RecordError(NvmfController? controller, INvmfQpair qpair, in NvmeCommand cmd, NvmeStatus status)
    {
        if (controller == null || controller.Owner != this || controller.IsDestroyed || !controller.Owns(qpair))
        {
            return; // failed Connects and commands on unconnected qpairs have no controller to log to
        }

        var io = qpair != controller.AdminQpair;
        var lba = io && cmd.Opcode is (byte)NvmeIoOpcode.Read or (byte)NvmeIoOpcode.Write or (byte)NvmeIoOpcode.WriteZeroes
            ? cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32)
            : 0;
        controller.ErrorLog.Add(qpair.Qid, cmd.Cid, status, lba, cmd.Nsid);
    }

    private static void Complete(INvmfRequest request, in NvmfResult result) => request.Complete(result.Status, result.Dw0, result.Dw1);

    /// <summary>Bytes of data the request carries in <paramref name="direction"/> (0 when it moves data the other way or none).</summary>
    private static uint DataLength(INvmfRequest request, NvmeDataTransfer direction) =>
        request.Xfer == direction ? request.Length : 0;

    private NvmfController? Find(ushort cntlid)
    {
        foreach (var controller in _controllers)
        {
            if (controller.Cntlid == cntlid)
            {
                return controller;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies controller-to-host <paramref name="data"/> to the start of the request's buffer and zeroes the rest of
    /// it (SPDK clears the buffer of every controller-to-host admin command first).
    /// </summary>
    private NvmfResult CopyOut(INvmfRequest request, ReadOnlySpan<byte> data)
    {
        Check.That(data.Length <= request.Length, InvariantNames.DataIntegrity, (Data: data.Length, request.Length), static s => $"{s.Data} bytes of admin data exceed the request's {s.Length}");
        if (request.CopyToData(0, data) != data.Length)
        {
            return NvmeStatus.DataTransferError;
        }

        var end = Math.Min(request.Length, int.MaxValue);
        for (long offset = data.Length; offset < end;)
        {
            var count = (int)Math.Min(_zeros.Length, end - offset);
            if (request.CopyToData((int)offset, _zeros.AsSpan(0, count)) != count)
            {
                return NvmeStatus.DataTransferError;
            }

            offset += count;
        }

        return NvmfResult.Ok;
    }
}
