using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// Two simulated hosts ("client" and "server") with one RC connection between them, established through the RDMA CM
/// exactly as an application would, plus a registered buffer on each side. The building block of the verbs tests.
/// </summary>
public sealed class ConnectedPair : IDisposable
{
    public const int BufferBytes = 64 * 1024;
    public const int CqEntries = 256;
    public const long ConnectTimeoutNsMax = 100_000_000;

    private ConnectedPair(SimFabric fabric) => Fabric = fabric;

    public SimFabric Fabric { get; }

    public Side Client { get; private set; } = null!;

    public Side Server { get; private set; } = null!;

    /// <summary>
    /// Builds the fabric and connects; <paramref name="options"/> sets seed and faults. <paramref name="clientParam"/> goes
    /// to rdma_connect, <paramref name="serverParam"/> to rdma_accept; <paramref name="cqEntries"/> sizes both CQs;
    /// <paramref name="trace"/> replaces the trace the fabric would create (e.g. one that writes JSONL).
    /// </summary>
    public static ConnectedPair Create(SimOptions? options = null, uint sendWr = 64, uint recvWr = 64, ConnParam? clientParam = null, bool serverSrq = false,
        ConnParam? serverParam = null, int cqEntries = CqEntries, Harness.Sim.Tracing.Trace? trace = null)
    {
        var pair = new ConnectedPair(new SimFabric(options ?? new SimOptions { TraceRecordsInMemory = 100_000 }, trace));
        var serverHost = pair.Fabric.AddHost("server", IPAddress.Parse("192.0.2.1"));
        var clientHost = pair.Fabric.AddHost("client", IPAddress.Parse("192.0.2.2"));
        pair.Server = Side.Open(serverHost, sendWr, recvWr, serverSrq, cqEntries);
        pair.Client = Side.Open(clientHost, sendWr, recvWr, srq: false, cqEntries);
        pair.Connect(clientParam ?? new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RetryCount = 7, RnrRetryCount = 7 },
            serverParam ?? new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RnrRetryCount = 7 });
        return pair;
    }

    /// <summary>Runs the world until <paramref name="done"/> holds (or fails the test after <paramref name="limitNs"/>).</summary>
    public void RunUntil(Func<bool> done, long limitNs = 10_000_000_000, string what = "condition")
    {
        var deadline = Fabric.World.NowNs + limitNs;
        var held = false;
        Fabric.Run(deadline, () => held = done());
        if (!held)
        {
            throw new Xunit.Sdk.XunitException($"{what} did not happen within {limitNs} ns of virtual time (now {Fabric.World.NowNs})");
        }
    }

    /// <summary>Runs until nothing is left to happen or <paramref name="limitNs"/> passes.</summary>
    public void RunIdle(long limitNs = 10_000_000_000) => Fabric.Run(Fabric.World.NowNs + limitNs);

    /// <summary>
    /// Runs every event up to virtual time <paramref name="timeNs"/> and leaves the clock there (even when nothing is
    /// scheduled), so a test can start its workload at a known time.
    /// </summary>
    public void AdvanceTo(long timeNs)
    {
        Fabric.Run(timeNs);
        if (Fabric.World.NowNs < timeNs)
        {
            // Nothing was scheduled up to timeNs: park a no-op event there and run to it.
            Fabric.World.ScheduleAt(timeNs, NoOpTarget.Instance, 0);
            Fabric.World.Run(timeNs);
        }
    }

    /// <summary>Polls both CQs while running until <paramref name="done"/> holds over what was polled so far.</summary>
    public (List<WorkCompletion> Client, List<WorkCompletion> Server) PollUntil(
        Func<List<WorkCompletion>, List<WorkCompletion>, bool> done, long limitNs = 10_000_000_000, string what = "completions")
    {
        var client = new List<WorkCompletion>();
        var server = new List<WorkCompletion>();
        RunUntil(() =>
        {
            client.AddRange(Client.PollAll());
            server.AddRange(Server.PollAll());
            return done(client, server);
        }, limitNs, what);
        return (client, server);
    }

    public void Dispose() => Fabric.Dispose();

    private void Connect(ConnParam clientParam, ConnParam serverParam)
    {
        var listen = Server.CreateId();
        Check(listen.BindAddr(new IPEndPoint(Server.Host.Address, 4420)), "bind");
        Check(listen.Listen(16), "listen");
        var active = Client.CreateId();
        Check(active.ResolveAddr(null, new IPEndPoint(Server.Host.Address, 4420), 1000), "resolve_addr");
        Client.ExpectEvent(this, CmEventType.AddrResolved);
        Check(active.ResolveRoute(1000), "resolve_route");
        Client.ExpectEvent(this, CmEventType.RouteResolved);
        Client.AttachQp(active);
        Check(active.Connect(clientParam), "connect");
        var request = Server.ExpectEvent(this, CmEventType.ConnectRequest);
        Server.AttachQp(request.Id);
        Check(request.Id.Accept(serverParam), "accept");
        Client.ExpectEvent(this, CmEventType.Established);
        Server.ExpectEvent(this, CmEventType.Established);
        Server.ListenId = listen;
    }

    public static void Check(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            throw new Xunit.Sdk.XunitException($"{call} failed: {Errno.Name(rc)}");
        }
    }

    /// <summary>One end: PD, CQ, registered buffer, CM channel, and (once connected) the id and QP.</summary>
    public sealed class Side
    {
        public required SimHost Host { get; init; }

        public required IVerbsContext Context { get; init; }

        public required IProtectionDomain Pd { get; init; }

        public required ICompletionQueue Cq { get; init; }

        public required ICmEventChannel Channel { get; init; }

        public required DmaBuffer Buffer { get; init; }

        public required IMemoryRegion Mr { get; init; }

        public ISharedReceiveQueue? Srq { get; init; }

        public uint SendWr { get; init; }

        public uint RecvWr { get; init; }

        public ICmId Id { get; private set; } = null!;

        public ICmId? ListenId { get; set; }

        public SimQp Qp => (SimQp)Id.Qp!;

        public static Side Open(SimHost host, uint sendWr, uint recvWr, bool srq, int cqEntries = CqEntries)
        {
            host.Verbs.GetDeviceList(out var devices);
            Check(devices[0].Open(out var ctx), "open");
            Check(ctx!.AllocPd(out var pd), "alloc_pd");
            Check(ctx.CreateCq(cqEntries, null, out var cq), "create_cq");
            Check(host.Cm.CreateEventChannel(out var channel), "create_event_channel");
            var buffer = host.Memory.Allocate(BufferBytes);
            var access = AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite;
            Check(pd!.RegMr(buffer, buffer.Address, (ulong)buffer.Length, access, out var mr), "reg_mr");
            ISharedReceiveQueue? s = null;
            if (srq)
            {
                Check(pd.CreateSrq(recvWr, 4, null, out s), "create_srq");
            }

            return new Side { Host = host, Context = ctx, Pd = pd, Cq = cq!, Channel = channel!, Buffer = buffer, Mr = mr!, Srq = s, SendWr = sendWr, RecvWr = recvWr };
        }

        public ICmId CreateId()
        {
            Check(Host.Cm.CreateId(Channel, this, PortSpace.Tcp, out var id), "create_id");
            return id!;
        }

        public void AttachQp(ICmId id)
        {
            var init = new QpInitAttr
            {
                SendCq = Cq,
                RecvCq = Cq,
                Srq = Srq,
                QpType = QpType.Rc,
                Cap = new QpCap { MaxSendWr = SendWr, MaxRecvWr = RecvWr, MaxSendSge = 4, MaxRecvSge = 4, MaxInlineData = 64 },
            };
            Check(id.CreateQp(Pd, init), "create_qp");
            Id = id;
        }

        /// <summary>Waits for the next CM event on this side's channel, checks its type and acks it.</summary>
        public CmEvent ExpectEvent(ConnectedPair pair, CmEventType type)
        {
            CmEvent? got = null;
            pair.RunUntil(() => Channel.GetEvent(out got) == Errno.Ok, what: $"{type.ToVerbsString()} on {Host.HostName}");
            if (got!.EventType != type)
            {
                throw new Xunit.Sdk.XunitException($"{Host.HostName}: expected {type.ToVerbsString()}, got {got}");
            }

            Check(Host.Cm.AckEvent(got), "ack");
            return got;
        }

        /// <summary>An SGE over [offset, offset+length) of this side's registered buffer.</summary>
        public Sge Sge(int offset, int length) => new(Buffer.Address + (ulong)offset, (uint)length, Mr.Lkey);

        public Span<byte> Bytes(int offset, int length) => Buffer.Span.Slice(offset, length);

        /// <summary>Polls every completion currently visible.</summary>
        public List<WorkCompletion> PollAll()
        {
            var result = new List<WorkCompletion>();
            Span<WorkCompletion> wcs = stackalloc WorkCompletion[16];
            int n;
            while ((n = Cq.Poll(wcs)) > 0)
            {
                for (var i = 0; i < n; i++)
                {
                    result.Add(wcs[i]);
                }
            }

            return result;
        }

        public int PostSend(WrOpcode op, ulong wrId, Sge local, ulong remoteAddr = 0, uint rkey = 0, SendFlags flags = SendFlags.Signaled)
        {
            var wr = new SendWorkRequest { WrId = wrId, Opcode = op, Flags = flags, NumSge = 1, RemoteAddr = remoteAddr, Rkey = rkey };
            wr.SgList[0] = local;
            return Qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
        }

        public int PostRecv(ulong wrId, Sge local)
        {
            var wr = new RecvWorkRequest { WrId = wrId, NumSge = 1 };
            wr.SgList[0] = local;
            return Srq != null
                ? Srq.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _)
                : Qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _);
        }
    }

    /// <summary>An event target that does nothing (used to move the clock to a chosen time).</summary>
    private sealed class NoOpTarget : ISimEventTarget
    {
        public static readonly NoOpTarget Instance = new();

        public void OnEvent(int kind, long a, long b)
        {
        }
    }
}
