using System.Net;
using Harness.Sim.Fabric;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>
/// A small, scripted NVMe-oF/RDMA target for host tests, speaking the real wire format on the simulated fabric: it
/// accepts CM connections (RdmaCmAccept private data), answers Fabrics Connect, Property Get/Set, Identify, Set
/// Features, Keep Alive, Read/Write (RDMA WRITE / READ against the host's keyed SGL, or in-capsule data) and Flush
/// against an in-memory namespace. Tests can make it drop commands (never answer) or disconnect.
/// </summary>
public sealed partial class ScriptedTarget
{
    public const int Port = 4420;
    public const int BlockBytes = 512;
    public const int InCapsuleBytes = 4096;
    public const int DataSlotBytes = 32 * 1024;
    public const int RecvSlotBytes = NvmeCommand.Size + InCapsuleBytes;
    public const int MaxQueueDepth = 64;
    public const int CqEntries = 16_384;
    public const ushort ControllerId = 1;

    private readonly SimHost _host;
    private readonly IProtectionDomain _pd;
    private readonly ICompletionQueue _cq;
    private readonly ICmEventChannel _channel;
    private readonly ICmId _listener;
    private readonly List<ScriptedTargetConnection> _connections = new();
    private readonly WorkCompletion[] _wcs = new WorkCompletion[64];
    private uint _cc;
    private int _cstsReads;

    public ScriptedTarget(SimHost host, IReactorRuntime reactors, int namespaceBlocks = 4096)
    {
        _host = host;
        host.Verbs.GetDeviceList(out var devices);
        Require(devices[0].Open(out var ctx), "open");
        Require(ctx!.AllocPd(out var pd), "alloc_pd");
        _pd = pd!;
        Require(ctx.CreateCq(CqEntries, null, out var cq), "create_cq");
        _cq = cq!;
        Require(host.Cm.CreateEventChannel(out var channel), "create_event_channel");
        _channel = channel!;
        Require(host.Cm.CreateId(_channel, null, PortSpace.Tcp, out var listener), "create_id");
        _listener = listener!;
        Require(_listener.BindAddr(Address), "bind");
        Require(_listener.Listen(128), "listen");
        Namespace = new byte[namespaceBlocks * BlockBytes];
        reactors.CreateReactor("target").AddPoller(new TargetPoller(this));
    }

    public IPEndPoint Address => new(_host.Address, Port);

    /// <summary>The namespace's bytes (block n at n × 512).</summary>
    public byte[] Namespace { get; }

    /// <summary>When it returns true for a command (and its qid), the target never answers it.</summary>
    public Func<NvmeCommand, ushort, bool>? Drop { get; set; }

    /// <summary>When it returns a status for a command (and its qid), the target executes it and answers with that status.</summary>
    public Func<NvmeCommand, ushort, NvmeStatus?>? Fail { get; set; }

    /// <summary>CSTS reads answered with RDY = 0 after CC.EN = 1 before RDY = 1.</summary>
    public int ReadyAfterCstsReads { get; set; } = 2;

    public int Commands { get; private set; }

    public int KeepAlives { get; private set; }

    public int Dropped { get; private set; }

    /// <summary>Writes whose data came in the capsule.</summary>
    public int InCapsuleWrites { get; private set; }

    /// <summary>Writes whose data the target fetched with RDMA READ.</summary>
    public int KeyedWrites { get; private set; }

    public IReadOnlyList<ScriptedTargetConnection> Connections => _connections;

    /// <summary>Target-initiated disconnect of every live connection (of <paramref name="qid"/> only, when given).</summary>
    public void Disconnect(int? qid = null)
    {
        foreach (var conn in _connections.Where(c => !c.Closed && (qid == null || c.Qid == qid)))
        {
            conn.Id.Disconnect();
        }
    }

    private int Poll()
    {
        var work = 0;
        while (_channel.GetEvent(out var ev) == Errno.Ok)
        {
            OnCmEvent(ev!);
            work++;
        }

        int n;
        while ((n = _cq.Poll(_wcs)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                OnCompletion(_wcs[i]);
            }

            work += n;
        }

        return work;
    }

    private void OnCmEvent(CmEvent ev)
    {
        switch (ev.EventType)
        {
            case CmEventType.ConnectRequest:
                var accepted = Accept(ev);
                Require(_host.Cm.AckEvent(ev), "ack");
                if (!accepted)
                {
                    ev.Id.Destroy();
                }

                break;
            case CmEventType.Disconnected:
                Require(_host.Cm.AckEvent(ev), "ack");
                if (ev.Id.Context is ScriptedTargetConnection conn)
                {
                    Close(conn);
                }

                break;
            default:
                Require(_host.Cm.AckEvent(ev), "ack");
                break;
        }
    }

    private bool Accept(CmEvent ev)
    {
        if (RdmaCmRequest.TryDecode(ev.Param.PrivateData.Span, out var request) != RdmaTransportError.None)
        {
            var reject = new byte[RdmaCmReject.Size];
            new RdmaCmReject { Status = RdmaTransportError.InvalidPrivateDataLength }.Encode(reject);
            ev.Id.Reject(reject);
            return false;
        }

        var depth = Math.Min(Math.Min((int)request.Hrqsize, request.Hsqsize + 1), MaxQueueDepth);
        var conn = new ScriptedTargetConnection(_connections.Count, ev.Id, request, depth);
        ev.Id.Context = conn;
        var init = new QpInitAttr
        {
            SendCq = _cq,
            RecvCq = _cq,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = (uint)(depth * 3), MaxRecvWr = (uint)depth, MaxSendSge = 1, MaxRecvSge = 1 },
        };
        if (ev.Id.CreateQp(_pd, init) != Errno.Ok)
        {
            // A verbs fault on the target's side too (the swarm's call-error): refuse the connection, as SPDK's target
            // does when it cannot set its qpair up (rdma_reject, NO_RESOURCES); the caller destroys the id after the ack.
            var refuse = new byte[RdmaCmReject.Size];
            new RdmaCmReject { Status = RdmaTransportError.NoResources }.Encode(refuse);
            ev.Id.Reject(refuse);
            return false;
        }

        conn.Open(_host.Memory, _pd);
        _connections.Add(conn);
        for (var i = 0; i < depth; i++)
        {
            conn.PostRecv(i);
        }

        var accept = new byte[RdmaCmAccept.Size];
        new RdmaCmAccept { Crqsize = (ushort)depth }.Encode(accept);
        var param = new ConnParam { PrivateData = accept, InitiatorDepth = Math.Min((byte)16, ev.Param.InitiatorDepth), RnrRetryCount = 7 };
        if (ev.Id.Accept(param) != Errno.Ok)
        {
            // The host abandoned the connect and its REJ came first (rdma_accept then fails, as with the kernel CM):
            // drop what was set up; the caller destroys the id after the ack.
            conn.Closed = true;
            ev.Id.DestroyQp();
            conn.Release(_host.Memory);
            return false;
        }

        return true;
    }

    private void Close(ScriptedTargetConnection conn)
    {
        if (conn.Closed)
        {
            return;
        }

        conn.Closed = true;
        conn.Id.DestroyQp();
        conn.Release(_host.Memory);
        conn.Id.Destroy();
    }

    private static void Require(int rc, string what)
    {
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"scripted target: {what} failed: {Errno.Name(rc)}");
        }
    }

    private sealed class TargetPoller(ScriptedTarget target) : IPoller
    {
        public string Name => "scripted_target";

        public int Poll() => target.Poll();
    }
}
