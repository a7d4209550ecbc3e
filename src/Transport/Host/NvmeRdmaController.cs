using System.Net;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// An NVMe-oF controller reached over RDMA (SPDK <c>struct nvme_rdma_ctrlr</c> plus the parts of the generic
/// <c>nvme_ctrlr.c</c> a fabrics host needs): the admin qpair and its poller on the admin reactor, one CM event
/// channel shared by all its qpairs, the controller lock, the memory map, initialization (Connect, CC.EN, CSTS.RDY,
/// Identify, Number of Queues), keep-alive, reset and deletion. I/O qpairs live in poll groups on other reactors.
/// </summary>
public sealed partial class NvmeRdmaController
{
    /// <summary>Size of the admin data buffer (Identify data).</summary>
    public const int AdminDataBytes = IdentifyCommand.DataSize;

    private readonly IReactor _adminReactor;
    private readonly AdminPoller _adminPoller;
    private readonly Lock _qpairsGate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly List<NvmeRdmaQpair> _ioQpairs = new();
    private readonly WorkCompletion[] _wcs;
    private readonly DmaBuffer _adminData;
    private readonly Lock _memoryGate = new(); // a Lock: never held across a wait or a meeting point
    private readonly List<DmaBuffer> _memory = new();
    private volatile ControllerState _state = ControllerState.Init;
    private int _resetRequested;
    private int _deleteRequested;
    private bool _started;

    /// <summary>A controller at <paramref name="target"/>, driven by a poller on <paramref name="adminReactor"/> once started.</summary>
    public NvmeRdmaController(IRdmaStack stack, IReactor adminReactor, IPEndPoint target, HostOptions? options = null)
    {
        Stack = stack;
        Clock = stack.Clock;
        Options = options ?? new HostOptions();
        Options.Validate();
        TargetAddress = target;
        Name = $"{stack.HostName}->{target}";
        _adminReactor = adminReactor;
        _adminPoller = new AdminPoller(this);
        _wcs = new WorkCompletion[Options.CompletionsPerPollMax];
        Lock = new ControllerLock($"ctrlr {Name} lock", Options.MeetingPoints);
        var rc = stack.Cm.CreateEventChannel(out var channel);
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"ctrlr {Name}: rdma_create_event_channel failed: {Errno.Name(rc)}");
        }

        Events = new CmEventDispatcher(stack.Cm, channel!, Lock, Options.PendingCmEventsMax, $"ctrlr {Name}", Options.MeetingPoints);
        _adminData = stack.Memory.Allocate(AdminDataBytes);
        AdminQpair = new NvmeRdmaQpair(this, 0, Options.AdminQueueSize, null);
    }

    public string Name { get; }

    public ControllerState State => _state;

    public NvmeRdmaQpair AdminQpair { get; }

    /// <summary>Controller id the target assigned in the admin Fabrics Connect.</summary>
    public ushort Cntlid { get; internal set; }

    public ControllerCapabilities Capabilities { get; private set; }

    public IdentifyControllerData ControllerData { get; private set; }

    public IdentifyNamespaceData NamespaceData { get; private set; }

    /// <summary>Block size of namespace 1 (0 before Identify Namespace).</summary>
    public uint BlockSize => NamespaceData.BlockSize;

    /// <summary>I/O queues the controller granted (Number of Queues).</summary>
    public int IoQueuesAllocated { get; private set; }

    /// <summary>Address → key translation for data buffers (exists once the PD does).</summary>
    public HostMemoryMap? MemoryMap { get; private set; }

    /// <summary>The controller lock.</summary>
    public ControllerLock Lock { get; }

    /// <summary>I/O qpairs not yet freed (a snapshot).</summary>
    public IReadOnlyList<NvmeRdmaQpair> IoQpairs
    {
        get
        {
            lock (_qpairsGate)
            {
                return _ioQpairs.ToArray();
            }
        }
    }

    public long CmEventsGot => Events.EventsGot;

    public long CmEventsAcked => Events.EventsAcked;

    /// <summary>CM events reaped by a thread other than their qpair's owner and handed over through the slot.</summary>
    public long CmEventsHandedOver => Events.EventsHandedOver;

    public long CmEventsDropped => Events.EventsDropped;

    public long KeepAlivesSent { get; private set; }

    /// <summary>Keep Alive commands completed (successfully or not: HEAD does not look, nvme_keep_alive_completion).</summary>
    public long KeepAlivesCompleted { get; private set; }

    public int Resets { get; private set; }

    /// <summary>Admin polls that ran (got the lock).</summary>
    public long AdminPolls { get; private set; }

    /// <summary>The last admin poll would have blocked on the controller lock (cooperative run, holder suspended on this OS thread).</summary>
    public bool AdminLockDeferred { get; private set; }

    /// <summary>Deletion or reset gave up waiting for qpairs to disconnect (a finding: something hangs).</summary>
    public bool TeardownTimedOut { get; private set; }

    internal HostOptions Options { get; }

    internal IClock Clock { get; }

    internal IRdmaStack Stack { get; }

    internal IPEndPoint TargetAddress { get; }

    internal CmEventDispatcher Events { get; }

    /// <summary>The admin thread's identity for the controller lock.</summary>
    internal object AdminOwner => _adminPoller;

    internal IProtectionDomain? Pd { get; private set; }

    /// <summary>In-capsule data bytes an I/O capsule may carry (IOCCSZ × 16 − 64; 0 before Identify).</summary>
    internal uint InCapsuleDataBytes { get; private set; }

    internal ushort Icdoff => ControllerData.Icdoff;

    /// <summary>Largest transfer (MDTS, in 4 KiB pages), capped by what a keyed SGL can describe.</summary>
    internal int MaxTransferBytes => ControllerData.Mdts == 0 || ControllerData.Mdts > 12
        ? (int)SglDescriptor.MaxKeyedLength
        : 4096 << ControllerData.Mdts;

    /// <summary>I/O qpairs connect only while the controller is ready (as spdk_nvme_ctrlr_reconnect_io_qpair).</summary>
    internal bool AcceptsIoConnect => _state == ControllerState.Ready;

    /// <summary>The admin qpair connects only when the controller's state machine asks for it.</summary>
    internal bool AcceptsAdminConnect => _state == ControllerState.ConnectAdminQpair;

    /// <summary>Starts the admin poller: the controller connects and initializes itself.</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _adminReactor.AddPoller(_adminPoller);
    }

    /// <summary>
    /// Allocates an I/O qpair in <paramref name="group"/> and asks its thread to connect it (SPDK
    /// spdk_nvme_ctrlr_alloc_io_qpair). The controller must be ready; the queue size is capped by CAP.MQES.
    /// </summary>
    public NvmeRdmaQpair CreateIoQpair(NvmeRdmaPollGroup group, int queueSize = 0)
    {
        NvmeRdmaQpair qpair;
        lock (_qpairsGate)
        {
            if (_state != ControllerState.Ready)
            {
                throw new InvalidOperationException($"ctrlr {Name}: I/O qpairs can be created only when ready (state {_state})");
            }

            var qid = FreeQid();
            var size = Math.Clamp(queueSize > 0 ? queueSize : Options.IoQueueSize, 2, Capabilities.MaxQueueEntries);
            qpair = new NvmeRdmaQpair(this, qid, size, group);
            _ioQpairs.Add(qpair);
        }

        group.Add(qpair);
        qpair.RequestConnect();
        return qpair;
    }

    /// <summary>Asks for a controller reset (every qpair disconnects and reconnects). Any thread.</summary>
    public void Reset()
    {
        if (Interlocked.Exchange(ref _resetRequested, 1) == 0)
        {
            _adminReactor.Notify(); // a request already pending was notified when it was made
        }
    }

    /// <summary>The admin thread (its reactor is told of requests other threads make).</summary>
    internal IReactor AdminReactor => _adminReactor;

    /// <summary>Asks for deletion: I/O qpairs freed, admin qpair disconnected, everything released. Any thread.</summary>
    public void Delete()
    {
        if (Interlocked.Exchange(ref _deleteRequested, 1) == 0)
        {
            _adminReactor.Notify(); // once: the request stays set until the controller is deleted
        }

        Start(); // the admin poller does the work, even for a controller never started
    }

    /// <summary>
    /// SPDK spdk_nvme_ctrlr_process_admin_completions: under the controller lock, drain the shared CM channel into the
    /// qpairs' slots, advance the admin qpair and its completions, and the controller's own state. Returns work
    /// done. The lock is taken blocking, as HEAD (nvme_ctrlr.c:4793); 0 with <see cref="AdminLockDeferred"/> set when
    /// the holder is suspended on this OS thread (a cooperative run: the admin poller tries again on its next round).
    /// </summary>
    public int ProcessAdminCompletions()
    {
        AdminLockDeferred = false;
        if (_state == ControllerState.Deleted)
        {
            return 0;
        }

        if (!Lock.Enter(AdminOwner))
        {
            AdminLockDeferred = true;
            return 0;
        }

        try
        {
            AdminPolls++;
            if (_keepAliveIntervalNs != 0 && KeepAlive() != Errno.Ok)
            {
                return 0; // HEAD nvme_ctrlr.c:4795–4801: the poll returns the error before the completions
            }

            var got = Events.EventsGot;
            Events.PollEvents(AdminOwner);
            var work = (int)(Events.EventsGot - got);
            work += AdminQpair.Progress();
            work += AdminQpair.PollPrivateCq(_wcs);
            work += StepController();
            return work;
        }
        finally
        {
            Lock.Exit(AdminOwner);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"ctrlr {Name} ({_state})";

    /// <summary>
    /// SPDK's <c>spdk_mem_register</c> as this controller's mem map sees it (the map's notify callback): memory the
    /// application does I/O from. Registered with the PD now if the map exists (its errno returned), else when the first
    /// qpair creates the map, and tried again at every qpair connect (<see cref="EnsurePd"/>), so a submission never
    /// registers (HEAD's submit path only translates; a buffer never passed here is still registered on first use).
    /// </summary>
    public int RegisterMemory(DmaBuffer buffer)
    {
        lock (_memoryGate)
        {
            if (!_memory.Contains(buffer))
            {
                if (_memory.Count >= Options.MemoryRegionsMax)
                {
                    return Errno.ENOMEM; // as the map's own bound
                }

                _memory.Add(buffer);
            }
        }

        return MemoryMap?.Register(buffer) ?? Errno.Ok;
    }

    /// <summary>The PD (and the memory map over it), created on the first qpair's device.</summary>
    internal int EnsurePd(IVerbsContext ctx, out IProtectionDomain? pd)
    {
        pd = Pd;
        if (pd != null)
        {
            // As SPDK's mem map taken per qpair connect (spdk_rdma_utils_create_mem_map): a registration that failed on
            // an earlier connect is tried again (Register is a no-op for a buffer already registered).
            return ReferenceEquals(pd.Context, ctx) ? RegisterAll() : Errno.EINVAL;
        }

        var rc = ctx.AllocPd(out pd);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        Pd = pd;
        MemoryMap = new HostMemoryMap(pd!, Options.MemoryRegionsMax, $"ctrlr {Name} mem map");
        return RegisterAll();
    }

    /// <summary>
    /// The mem map's walk at its creation (<c>spdk_mem_map_alloc</c> notifies every registered region): the admin
    /// data buffer and every buffer of <see cref="RegisterMemory"/>; the first failure's errno (the connect fails).
    /// </summary>
    private int RegisterAll()
    {
        var rc = MemoryMap!.Register(_adminData);
        lock (_memoryGate)
        {
            for (var i = 0; i < _memory.Count && rc == Errno.Ok; i++)
            {
                rc = MemoryMap.Register(_memory[i]);
            }
        }

        return rc;
    }

    /// <summary>An I/O qpair's thread freed it: a deletion waiting for its I/O qpairs may go on (the admin thread's next round).</summary>
    internal void OnIoQpairFreed(NvmeRdmaQpair qpair)
    {
        lock (_qpairsGate)
        {
            _ioQpairs.Remove(qpair);
        }

        _adminReactor.Notify();
    }

    /// <summary>A qpair reached EXITED: the admin qpair's fails the controller; an I/O qpair's may end a reset's wait.</summary>
    internal void OnQpairDisconnected(NvmeRdmaQpair qpair)
    {
        if (!ReferenceEquals(qpair, AdminQpair))
        {
            _adminReactor.Notify(); // from the I/O qpair's thread: StepReset waits for every qpair to be quiet
            return;
        }

        if (_state is < ControllerState.Failed and not ControllerState.Resetting)
        {
            EnterFailed("admin qpair disconnected");
        }
    }

    internal void Log(string text) => Options.Log?.Invoke($"nvme_rdma: [{Clock.NowNs} ns] {text}");

    private ushort FreeQid()
    {
        for (var qid = 1; qid <= IoQueuesAllocated; qid++)
        {
            if (!_ioQpairs.Exists(q => q.Qid == qid))
            {
                return (ushort)qid;
            }
        }

        throw new InvalidOperationException($"ctrlr {Name}: all {IoQueuesAllocated} I/O queues are in use");
    }

    private DataRef AdminData(int length)
    {
        var rc = MemoryMap!.Translate(_adminData.Address, (ulong)length, out var lkey, out var rkey);
        Check.That(rc == Errno.Ok, InvariantNames.StateTransition, Name, n => $"ctrlr {n}: admin data buffer is not registered");
        return new DataRef(_adminData.Address, (uint)length, lkey, rkey);
    }

    private sealed class AdminPoller(NvmeRdmaController ctrlr) : ITimedPoller
    {
        private long _nextPollNs;

        public string Name => $"nvme_ctrlr_adminq {ctrlr.Name}";

        /// <inheritdoc/>
        public long NextRunNs
        {
            get
            {
                var next = new NextRun(ctrlr.Clock.NowNs);
                if (IsPeriodic(ctrlr._state))
                {
                    next.Add(_nextPollNs); // between periods the poller looks at nothing
                }

                next.Add(ctrlr.NextRunNs());
                return next.Ns;
            }
        }

        public int Poll()
        {
            var now = ctrlr.Clock.NowNs;
            if (now < _nextPollNs && IsPeriodic(ctrlr._state) && !HasNewRequest())
            {
                return 0;
            }

            _nextPollNs = now + ctrlr.Options.AdminPollPeriodNs;
            var work = ctrlr.ProcessAdminCompletions();
            if (ctrlr.AdminLockDeferred)
            {
                _nextPollNs = now; // HEAD's admin thread would be waiting in nvme_ctrlr_lock: it polls as soon as it gets it
                return 1;
            }

            return work;
        }

        public override string ToString() => $"admin thread of ctrlr {ctrlr.Name}";

        /// <summary>
        /// Once the controller has been ready, its admin queue (and with it the shared CM channel) is polled every
        /// AdminPollPeriodNs, as bdev_nvme's adminq poller does — also while a reset or deletion tears the qpairs down.
        /// Initialization steps run at once.
        /// </summary>
        private static bool IsPeriodic(ControllerState state) => state is ControllerState.Ready or ControllerState.Resetting or ControllerState.Deleting;

        /// <summary>A reset or deletion asked for and not yet begun: acted on at the next round.</summary>
        private bool HasNewRequest() =>
            ctrlr.HasQueuedAborts ||
            (Volatile.Read(ref ctrlr._resetRequested) != 0 && ctrlr._state is ControllerState.Ready or ControllerState.Failed) ||
            (Volatile.Read(ref ctrlr._deleteRequested) != 0 && ctrlr._state < ControllerState.Deleting);
    }
}
