using System.Collections.Concurrent;
using System.Net;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// The NVMe-oF RDMA target transport, modelled on SPDK's <c>lib/nvmf/rdma.c</c>: a listener and an acceptor poller
/// (CM and async events) on one reactor, and poll groups on their own reactors, each polling one CQ per device.
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>Resources ids are never reused within a transport (stale completions must not find new objects).</summary>
    public const int ResourcesMax = 1 << 20;

    /// <summary>Poll groups (reactors) one transport runs at most.</summary>
    public const int PollGroupsMax = 64;

    /// <summary>
    /// SPDK MAX_WR_PER_QP: the completions a qpair of <paramref name="queueDepth"/> can have in its poller's CQ (its
    /// receives, its send queue of twice the depth, and two more).
    /// </summary>
    public static int MaxWrPerQp(int queueDepth) => (queueDepth * 3) + 2;

    private readonly IRdmaStack _stack;
    private readonly IClock _clock;
    private readonly INvmfRequestHandler _handler;
    private readonly ITargetObserver? _observer;
    private readonly DataWrPool _dataWrPool;
    /// <summary>
    /// Resources by id, for the wr_id of a completion. Each poll group's thread creates its qpairs' resources (the hand-off
    /// runs there), so two threads may register at once while others look up: lock-free reads, no allocation on them.
    /// </summary>
    private readonly ConcurrentDictionary<int, RdmaResources> _resources = new();
    private readonly List<RdmaPollGroup> _groups = new();
    private readonly Lock _groupsGate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly List<RdmaQpair> _qpairs = new();
    private readonly TargetLog _log;
    private IVerbsContext? _context;
    private IProtectionDomain? _pd;
    private Iobuf? _buffers;
    private ICmEventChannel? _channel;
    private ICmId? _listenId;
    private DeviceAttr _deviceAttr;
    private Action<RdmaRequest, int>? _iobufGetCallback;

    /// <summary>SPDK's <c>nvmf_rdma_device_supports_last_wqe_reached</c>: Soft-RoCE never raises the event.</summary>
    private bool SupportsLastWqeReached => !VerbsVendors.IsRxe(_deviceAttr);
    private int _lastResourcesId;

    /// <summary>SPDK's <c>conn_sched.next_admin_pg</c> (rdma.c:471): where the next admin qpair goes.</summary>
    private int _nextAdminGroup;

    /// <summary>SPDK's <c>conn_sched.next_io_pg</c> (rdma.c:472): where the search for the next I/O qpair's group starts.</summary>
    private int _nextIoGroup;

    /// <summary>
    /// The poll group whose thread is running transport code now, or null (the acceptor, or any other thread): SPDK
    /// compares <c>spdk_get_thread()</c> with <c>qpair-&gt;group-&gt;thread</c>. Set by the group's poller and by the messages
    /// that run on its thread; per OS thread, so reactors on their own threads each see their own.
    /// </summary>
    [ThreadStatic]
    private static RdmaPollGroup? t_currentGroup;

    public NvmfRdmaTransport(IRdmaStack stack, TargetOptions options, INvmfRequestHandler handler, ITargetObserver? observer = null)
    {
        options.Validate();
        _stack = stack;
        _clock = stack.Clock;
        Options = options;
        _handler = handler;
        _observer = observer;
        _log = new TargetLog(stack.HostName, observer);
        _dataWrPool = new DataWrPool(options.DataWrPoolSize);
    }

    public TargetOptions Options { get; }

    public IReadOnlyList<RdmaPollGroup> PollGroups => _groups;

    /// <summary>Every qpair ever created, in creation order (destroyed ones included).</summary>
    public IReadOnlyList<RdmaQpair> Qpairs => _qpairs;

    /// <summary>The iobuf pools (small and large) every poll group's channel takes data buffers from.</summary>
    public Iobuf? Buffers => _buffers;

    public DataWrPool DataWrs => _dataWrPool;

    public TargetLog Log => _log;

    /// <summary>Opens the first device, allocates the PD and the shared buffer pool, and creates the poll groups.</summary>
    public void Start(IReactorRuntime reactors, int pollGroups, IPEndPoint listenAddress)
    {
        Check.That(pollGroups is >= 1 and <= PollGroupsMax, InvariantNames.StateTransition, pollGroups, n => $"{n} poll groups");
        var rc = _stack.Verbs.GetDeviceList(out var devices);
        if (rc != Errno.Ok || devices.Count == 0)
        {
            throw new InvalidOperationException($"{_stack.HostName}: no RDMA device ({Errno.Name(rc)})");
        }

        Require(devices[0].Open(out _context), "ibv_open_device");
        Require(_context!.QueryDevice(out _deviceAttr), "ibv_query_device");
        Require(_context.AllocPd(out _pd), "ibv_alloc_pd");
        _buffers = new Iobuf(NewIobufPool("small", Options.IoUnitSize, Options.NumSharedBuffers),
            Options.LargePoolCount > 0 ? NewIobufPool("large", Options.LargeBufsize, Options.LargePoolCount) : null);
        for (var i = 0; i < pollGroups; i++)
        {
            _groups.Add(CreatePollGroup(reactors, i));
        }

        Listen(listenAddress);
        AcceptorThread = reactors.CreateReactor($"{_stack.HostName}.acceptor");
        AcceptorThread.AddPoller(new AcceptorPoller(this));
        _handler.OnAcceptorStarted(AcceptorThread);
    }

    /// <summary>One iobuf pool in its own registered region (iobuf.c:iobuf_node_initialize; SPDK registers all DMA memory).</summary>
    private BufferPool NewIobufPool(string name, int bufsize, int count)
    {
        var memory = _stack.Memory.Allocate(count * bufsize);
        Require(_pd!.RegMr(memory, memory.Address, (ulong)memory.Length, AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite, out var mr), "ibv_reg_mr");
        return new BufferPool(name, memory, mr!, bufsize, count);
    }

    /// <summary>The acceptor's thread (CM and async events, the controllers' timers).</summary>
    public IReactor? AcceptorThread { get; private set; }

    /// <summary>Whether the calling code runs on <paramref name="group"/>'s thread (SPDK: <c>spdk_get_thread() == group-&gt;thread</c>).</summary>
    internal static bool OnThreadOf(RdmaPollGroup? group) => group != null && ReferenceEquals(t_currentGroup, group);

    /// <summary>Marks the calling code as running on <paramref name="group"/>'s thread; returns what to restore.</summary>
    internal static RdmaPollGroup? EnterGroup(RdmaPollGroup group)
    {
        var previous = t_currentGroup;
        t_currentGroup = group;
        return previous;
    }

    internal static void LeaveGroup(RdmaPollGroup? previous) => t_currentGroup = previous;

    /// <summary>Whether the pre-fix behaviour <paramref name="defect"/> is switched on (for the transport's own objects).</summary>
    internal bool HasDefect(KnownDefects defect) => Defective(defect);

    private RdmaPollGroup CreatePollGroup(IReactorRuntime reactors, int index)
    {
        var group = new RdmaPollGroup($"{_stack.HostName}.pg{index}", index);
        group.Iobuf = new IobufChannel(group, _buffers!, _iobufGetCallback ??= OnIobufGet, Options.MeetingPoints);
        // As nvmf_rdma_poller_create: with an SRQ the CQ is sized once (a receive, a data WR and a send per SRQ entry),
        // without one it starts at num_cqe and grows as qpairs join (ResizeCq).
        var numCqe = Options.UseSrq ? Options.MaxSrqDepth * 3 : Options.NumCqe;
        Require(_context!.CreateCq(numCqe, group, out var cq), "ibv_create_cq");
        var poller = new RdmaPoller(group, _context, _pd!, cq!, _buffers!) { NumCqe = numCqe };
        if (Options.UseSrq)
        {
            Require(_pd!.CreateSrq((uint)Options.MaxSrqDepth, 2, poller, out var srq), "ibv_create_srq");
            poller.Srq = srq;
            poller.SrqResources = NewResources($"{poller} srq", Options.MaxSrqDepth);
            foreach (var recv in poller.SrqResources.Recvs)
            {
                RepostSrqRecv(poller, recv);
            }
        }

        group.Pollers.Add(poller);
        group.Thread = reactors.CreateReactor(group.Name);
        group.Thread.AddPoller(new PollGroupPoller(this, group));
        return group;
    }

    private void Listen(IPEndPoint address)
    {
        Require(_stack.Cm.CreateEventChannel(out _channel), "rdma_create_event_channel");
        Require(_stack.Cm.CreateId(_channel!, null, PortSpace.Tcp, out _listenId), "rdma_create_id");
        Require(_listenId!.BindAddr(address), "rdma_bind_addr");
        Require(_listenId.Listen(Options.MaxQueueDepth), "rdma_listen");
        _log.Notice(null, $"NVMe/RDMA Target Listening on {address}");
    }

    /// <summary>Resources set up at start (the SRQ's, a snapshot's): a failed registration there fails the start.</summary>
    internal RdmaResources NewResources(string owner, int depth)
    {
        var resources = TryNewResources(owner, depth, out var rc);
        return resources ?? throw new InvalidOperationException($"{owner}: ibv_reg_mr failed: {Errno.Name(rc)}");
    }

    /// <summary><c>nvmf_rdma_resources_create</c>: null and the ibv_reg_mr errno when a registration fails (nothing kept).</summary>
    internal RdmaResources? TryNewResources(string owner, int depth, out int rc)
    {
        // Taken before the registrations (which let other threads run): a failed creation burns its id.
        var id = Interlocked.Increment(ref _lastResourcesId);
        Check.That(id < ResourcesMax, InvariantNames.NoLeakOnDestroy, id, n => $"resources id {n} exhausted");
        var resources = RdmaResources.Create(id, owner, _stack.Memory, _pd!, depth, Options.InCapsuleDataSize, out rc);
        if (resources == null)
        {
            return null;
        }

        Check.That(_resources.TryAdd(resources.Id, resources), InvariantNames.ObjectLifetime, resources, r => $"resources id {r.Id} registered twice");
        foreach (var req in resources.Reqs)
        {
            req.Transport = this;
        }

        return resources;
    }

    internal RdmaResources? FindResources(int id) => _resources.TryGetValue(id, out var resources) ? resources : null;

    /// <summary>One poll-group round: executed requests back to the state machine, then each poller.</summary>
    internal int PollGroup(RdmaPollGroup group, Span<WorkCompletion> wcs)
    {
        var work = DrainExecuted(group);
        for (var i = 0; i < group.Pollers.Count; i++)
        {
            work += PollPoller(group.Pollers[i], wcs);
        }

        work += RunAbortPollers(group);
        if (!Defective(KnownDefects.IobufWaiterOtherChannel))
        {
            work += group.Iobuf.ServeWaitersFromPool(); // docs/findings/016: buffers put back through another channel
        }

        return work; // a command still executing is not: the group's next run is when the controller answers (NextRunNs)
    }

    /// <summary>
    /// When the group's poller next has work nothing announces: the controller's answer to the oldest executing command
    /// (<see cref="TargetOptions.ExecutionLatencyNs"/> after it began), and the timeout of an Abort still retrying.
    /// </summary>
    private long NextRunNs(RdmaPollGroup group)
    {
        var next = new NextRun(_clock.NowNs);
        if (group.Executed.TryPeek(out var head))
        {
            next.Add(head.ReadyAtNs);
        }

        if (group.DelayedExecuted.TryPeek(out _, out var at))
        {
            next.Add(at.ReadyAtNs);
        }

        for (var i = 0; i < group.AbortPollers.Count; i++)
        {
            next.Add(group.AbortPollers[i].TimeoutNs);
        }

        return next.Ns;
    }

    /// <summary>The acceptor's next timed work: the controller layer's timers and the Fabrics CONNECT bound of accepted qpairs.</summary>
    private long NextAcceptorRunNs()
    {
        var now = _clock.NowNs;
        var next = new NextRun(now);
        next.Add(_handler.NextPollNs(now));
        if (!Defective(KnownDefects.NoFabricConnectTimeout))
        {
            for (var i = 0; i < _qpairs.Count; i++)
            {
                if (AwaitsFabricConnect(_qpairs[i]))
                {
                    next.Add(FabricConnectDueNs(_qpairs[i]));
                }
            }
        }

        return next.Ns;
    }

    private int DrainExecuted(RdmaPollGroup group)
    {
        var work = 0;
        while (group.Executed.TryPeek(out var head) && head.ReadyAtNs <= _clock.NowNs)
        {
            group.Executed.Dequeue();
            work += ResumeExecuted(head.Request, head.Generation);
        }

        while (group.DelayedExecuted.TryPeek(out var late, out var at) && at.ReadyAtNs <= _clock.NowNs)
        {
            group.DelayedExecuted.Dequeue();
            work += ResumeExecuted(late.Request, late.Generation);
        }

        return work;
    }

    /// <summary>EXECUTING → EXECUTED (COMPLETED on a QP in error) for a request still in the generation it executed in.</summary>
    private int ResumeExecuted(RdmaRequest req, long generation)
    {
        if (req.Generation != generation || req.State != RdmaRequestState.Executing)
        {
            return 0;
        }

        var qpair = req.Qpair!;
        qpair.Executing--;
        SetState(req, qpair.IbvInErrorState ? RdmaRequestState.Completed : RdmaRequestState.Executed);
        ProcessRequest(req);
        if (qpair.DestroyAwaitsOutstanding && qpair.Executing == 0)
        {
            DestroyGeneric(qpair); // nvmf.c: the last outstanding command's completion runs state_cb (_nvmf_qpair_destroy)
        }
        else if (qpair.ToClose)
        {
            DestroyDrained(qpair);
        }

        return 1;
    }

    /// <summary>Called by <see cref="RdmaRequest.Complete"/>: the controller finished; the state machine resumes on the next poll.</summary>
    internal void OnExecuted(RdmaRequest req)
    {
        var group = req.Qpair!.Poller!.Group;
        group.Executed.Enqueue((req, req.Generation, _clock.NowNs + Options.ExecutionLatencyNs));
    }

    /// <summary>
    /// Called by <see cref="RdmaRequest.CompleteAfter"/>: the controller's completion arrives <paramref name="delayNs"/>
    /// after the usual latency; the request stays EXECUTING meanwhile (a qpair being torn down waits for it).
    /// </summary>
    internal void OnExecuted(RdmaRequest req, long delayNs)
    {
        var group = req.Qpair!.Poller!.Group;
        var readyAt = _clock.NowNs + Options.ExecutionLatencyNs + Math.Max(0, delayNs);
        group.DelayedExecuted.Enqueue((req, req.Generation), (readyAt, group.DelayedSequence++));
    }

    /// <summary>
    /// Runs <paramref name="fn"/> on the thread of <paramref name="req"/>'s poll group, inside the group (at once when
    /// already there or when the group has no thread): the controller layer's hand-back of a command it held.
    /// </summary>
    internal void SendToGroupThread(RdmaRequest req, ThreadMessageFn fn, object? ctx)
    {
        if (req.Qpair?.Poller?.Group is not { } group)
        {
            return; // its qpair was destroyed without waiting for it (device removal): nobody to answer
        }

        if (group.Thread == null || OnThreadOf(group))
        {
            fn(ctx);
            return;
        }

        group.Thread.SendMessage(GroupMessageMsg, new GroupMessage(group, fn, ctx)); // rare: a CONNECT's re-check
    }

    private static readonly ThreadMessageFn GroupMessageMsg = static ctx =>
    {
        var msg = (GroupMessage)ctx!;
        var previous = EnterGroup(msg.Group);
        try
        {
            msg.Fn(msg.Ctx);
        }
        finally
        {
            LeaveGroup(previous);
        }
    };

    private sealed record GroupMessage(RdmaPollGroup Group, ThreadMessageFn Fn, object? Ctx);

    private static void Require(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"{call} failed: {Errno.Name(rc)}");
        }
    }

    private sealed class AcceptorPoller(NvmfRdmaTransport transport) : ITimedPoller
    {
        public string Name => "nvmf_rdma_accept";

        public long NextRunNs => transport.NextAcceptorRunNs();

        public int Poll() => transport.PollAcceptor();
    }

    private sealed class PollGroupPoller(NvmfRdmaTransport transport, RdmaPollGroup group) : ITimedPoller
    {
        private readonly WorkCompletion[] _wcs = new WorkCompletion[64];

        public string Name => group.Name;

        public long NextRunNs => transport.NextRunNs(group);

        public int Poll()
        {
            var previous = EnterGroup(group);
            try
            {
                return transport.PollGroup(group, _wcs);
            }
            finally
            {
                LeaveGroup(previous);
            }
        }
    }
}
