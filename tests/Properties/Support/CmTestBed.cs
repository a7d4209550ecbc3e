using System.Net;
using System.Text;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// Several RC connections between a "client" and a "server" host, all client ids on one shared event channel and all
/// server ids (listener and accepted) on another, driven the way SPDK drives them: poll the channel, dispatch on
/// <c>ev.Id.Context</c>, react (resolve route, connect, accept/reject), ack. Every event got is recorded per id and in
/// channel order, so tests can check delivery, ownership and per-id order.
/// </summary>
public sealed class CmTestBed : IDisposable
{
    public const int ListenPort = 4420;

    private readonly Dictionary<string, ICmId> _clientIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ICmId> _serverIds = new(StringComparer.Ordinal);
    private readonly HashSet<CmEvent> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<long> _sequences = new();

    public CmTestBed(SimOptions options)
    {
        Fabric = new SimFabric(options);
        Server = new Endpoint(Fabric.AddHost("server", IPAddress.Parse("192.0.2.1")));
        Client = new Endpoint(Fabric.AddHost("client", IPAddress.Parse("192.0.2.2")));
        ConnectedPair.Check(Server.Host.Cm.CreateId(Server.Channel, "listener", PortSpace.Tcp, out var listener), "create_id (listener)");
        Listener = listener!;
        ConnectedPair.Check(Listener.BindAddr(new IPEndPoint(Server.Host.Address, ListenPort)), "bind");
        ConnectedPair.Check(Listener.Listen(16), "listen");
    }

    public SimFabric Fabric { get; }

    public Endpoint Server { get; }

    public Endpoint Client { get; }

    public ICmId Listener { get; }

    /// <summary>Events in the order the client's shared channel returned them.</summary>
    public List<CmEvent> ClientOrder { get; } = new();

    /// <summary>Events in the order the server's shared channel returned them.</summary>
    public List<CmEvent> ServerOrder { get; } = new();

    /// <summary>Event types got per id context (client ids "conn-N", accepted server ids "srv-conn-N").</summary>
    public Dictionary<string, List<CmEventType>> ByContext { get; } = new(StringComparer.Ordinal);

    /// <summary>Server policy: private data to reject a connection request with (by client context), or null to accept.</summary>
    public Func<string, byte[]?> RejectWith { get; set; } = _ => null;

    /// <summary>When false, events are got but not acked (the test acks them).</summary>
    public bool AutoAck { get; set; } = true;

    public IReadOnlyDictionary<string, ICmId> ClientIds => _clientIds;

    public IReadOnlyDictionary<string, ICmId> ServerIds => _serverIds;

    /// <summary>Creates <paramref name="count"/> client ids "conn-0".. on the client's shared channel and starts resolving them all.</summary>
    public void StartConnections(int count, int port = ListenPort)
    {
        for (var i = 0; i < count; i++)
        {
            var context = "conn-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ConnectedPair.Check(Client.Host.Cm.CreateId(Client.Channel, context, PortSpace.Tcp, out var id), "create_id");
            _clientIds.Add(context, id!);
            ByContext[context] = new List<CmEventType>();
            ConnectedPair.Check(id!.ResolveAddr(null, new IPEndPoint(Server.Host.Address, port), 1000), $"resolve_addr {context}");
        }
    }

    /// <summary>Polls both channels (reacting to every event) while running, until <paramref name="done"/> holds.</summary>
    public void Pump(Func<bool> done, long limitNs = 1_000_000_000, string what = "condition")
    {
        var deadline = Fabric.World.NowNs + limitNs;
        var held = false;
        Fabric.Run(deadline, () =>
        {
            PollOnce();
            held = done();
            return held;
        });
        if (!held)
        {
            PollOnce();
            held = done();
        }

        if (!held)
        {
            throw new Xunit.Sdk.XunitException($"{what} did not happen within {limitNs} ns of virtual time");
        }
    }

    /// <summary>Runs until no event is left (then polls once more).</summary>
    public void PumpUntilQuiet(long limitNs = 1_000_000_000)
    {
        Fabric.Run(Fabric.World.NowNs + limitNs, () =>
        {
            PollOnce();
            return false;
        });
        PollOnce();
    }

    /// <summary>True when every id named has got <paramref name="type"/>.</summary>
    public bool AllGot(IEnumerable<string> contexts, CmEventType type) => contexts.All(c => ByContext.TryGetValue(c, out var l) && l.Contains(type));

    public void Dispose() => Fabric.Dispose();

    private void PollOnce()
    {
        while (Client.Channel.GetEvent(out var ev) == Errno.Ok)
        {
            Record(ev!, ClientOrder);
            OnClientEvent(ev!);
            Ack(Client, ev!);
        }

        while (Server.Channel.GetEvent(out var ev) == Errno.Ok)
        {
            // A connection request arrives on an id whose context is still the listener's: give it its own first.
            if (ev!.EventType == CmEventType.ConnectRequest)
            {
                var from = Encoding.ASCII.GetString(ev.Param.PrivateData.Span);
                Assert.True(ReferenceEquals(ev.ListenId, Listener), $"CONNECT_REQUEST from {from} names listen id {ev.ListenId}");
                Assert.True(Equals(ev.Id.Context, "listener"), $"a new id must inherit the listener's context, got {ev.Id.Context}");
                ev.Id.Context = "srv-" + from;
                _serverIds.Add("srv-" + from, ev.Id);
                ByContext["srv-" + from] = new List<CmEventType>();
            }

            Record(ev, ServerOrder);
            OnServerEvent(ev);
            Ack(Server, ev);
        }
    }

    private void Record(CmEvent ev, List<CmEvent> order)
    {
        Assert.True(_seen.Add(ev), $"event {ev} delivered twice");
        Assert.True(_sequences.Add(ev.Sequence), $"two events share sequence number {ev.Sequence}");
        var context = ev.Id.Context as string ?? throw new Xunit.Sdk.XunitException($"event {ev} for an id without a context");
        var known = _clientIds.TryGetValue(context, out var owner) || _serverIds.TryGetValue(context, out owner);
        Assert.True(known && ReferenceEquals(owner, ev.Id), $"event {ev} with context '{context}' arrived on an id the test did not create under that context");
        order.Add(ev);
        ByContext[context].Add(ev.EventType);
    }

    private void OnClientEvent(CmEvent ev)
    {
        var context = (string)ev.Id.Context!;
        switch (ev.EventType)
        {
            case CmEventType.AddrResolved:
                ConnectedPair.Check(ev.Id.ResolveRoute(1000), $"resolve_route {context}");
                break;
            case CmEventType.RouteResolved:
                ConnectedPair.Check(ev.Id.CreateQp(Client.Pd, Client.QpInit()), $"create_qp {context}");
                var param = new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RetryCount = 7, RnrRetryCount = 7, PrivateData = Encoding.ASCII.GetBytes(context) };
                ConnectedPair.Check(ev.Id.Connect(param), $"connect {context}");
                break;
        }
    }

    private void OnServerEvent(CmEvent ev)
    {
        if (ev.EventType != CmEventType.ConnectRequest)
        {
            return;
        }

        var context = (string)ev.Id.Context!;
        var reject = RejectWith(context["srv-".Length..]);
        if (reject != null)
        {
            ConnectedPair.Check(ev.Id.Reject(reject), $"reject {context}");
            return;
        }

        ConnectedPair.Check(ev.Id.CreateQp(Server.Pd, Server.QpInit()), $"create_qp {context}");
        ConnectedPair.Check(ev.Id.Accept(new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RnrRetryCount = 7 }), $"accept {context}");
    }

    private void Ack(Endpoint endpoint, CmEvent ev)
    {
        if (AutoAck)
        {
            ConnectedPair.Check(endpoint.Host.Cm.AckEvent(ev), "ack");
        }
        else
        {
            endpoint.Unacked.Add(ev);
        }
    }

    /// <summary>One host's verbs objects and its shared CM event channel.</summary>
    public sealed class Endpoint
    {
        public Endpoint(SimHost host)
        {
            Host = host;
            host.Verbs.GetDeviceList(out var devices);
            ConnectedPair.Check(devices[0].Open(out var ctx), "open");
            Context = ctx!;
            ConnectedPair.Check(Context.AllocPd(out var pd), "alloc_pd");
            Pd = pd!;
            ConnectedPair.Check(Context.CreateCq(256, null, out var cq), "create_cq");
            Cq = cq!;
            ConnectedPair.Check(host.Cm.CreateEventChannel(out var channel), "create_event_channel");
            Channel = channel!;
        }

        public SimHost Host { get; }

        public IVerbsContext Context { get; }

        public IProtectionDomain Pd { get; }

        public ICompletionQueue Cq { get; }

        public ICmEventChannel Channel { get; }

        /// <summary>Events got and not acked (when the bed's AutoAck is off).</summary>
        public List<CmEvent> Unacked { get; } = new();

        public QpInitAttr QpInit() => new()
        {
            SendCq = Cq,
            RecvCq = Cq,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = 16, MaxRecvWr = 16, MaxSendSge = 1, MaxRecvSge = 1 },
        };
    }
}
