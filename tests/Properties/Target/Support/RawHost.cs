using System.Net;
using Harness.Sim.Fabric;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target.Support;

/// <summary>
/// A host that speaks the NVMe-oF/RDMA wire format directly, with no host transport logic: CM private data,
/// 64-byte command capsules (plus in-capsule data) sent with SEND, 16-byte responses received into posted receives,
/// keyed SGLs over its own registered data slots. It can also send anything at all, which is what a hostile host does.
/// </summary>
public sealed class RawHost
{
    public const int DefaultSlotBytes = 256 * 1024;
    public const int IcdBytesMax = 8192;
    public const int CapsuleBytesMax = 64 + IcdBytesMax;

    private readonly Dictionary<ushort, NvmeCompletion> _responses = new();
    private DmaBuffer _capsules = null!;
    private DmaBuffer _rsps = null!;
    private IMemoryRegion _capsulesMr = null!;
    private IMemoryRegion _rspsMr = null!;

    public RawHost(SimHost host, int depth, int slotBytes = DefaultSlotBytes)
    {
        Host = host;
        Depth = depth;
        SlotBytes = slotBytes;
    }

    /// <summary>Bytes of each command's data slot.</summary>
    public int SlotBytes { get; }

    public SimHost Host { get; }

    public int Depth { get; }

    public ICmId Id { get; private set; } = null!;

    public ICmEventChannel Channel { get; private set; } = null!;

    public IQueuePair Qp => Id.Qp!;

    public ICompletionQueue Cq { get; private set; } = null!;

    public DmaBuffer Data { get; private set; } = null!;

    public IMemoryRegion DataMr { get; private set; } = null!;

    /// <summary>CM events seen (all acked).</summary>
    public List<CmEventType> CmEvents { get; } = new();

    /// <summary>Work completions with an error status.</summary>
    public List<WorkCompletion> FailedWcs { get; } = new();

    public IReadOnlyDictionary<ushort, NvmeCompletion> Responses => _responses;

    /// <summary>Opens the device, registers memory and starts connecting (run the world, then <see cref="PollCm"/>).</summary>
    public void Connect(IPEndPoint target, ReadOnlyMemory<byte> privateData, byte initiatorDepth = 16, byte responderResources = 16)
    {
        Host.Verbs.GetDeviceList(out var devices);
        Ok(devices[0].Open(out var ctx), "open");
        Ok(ctx!.AllocPd(out var pd), "alloc_pd");
        Ok(ctx.CreateCq(Depth * 4, null, out var cq), "create_cq");
        Cq = cq!;
        _capsules = Register(pd!, Depth * CapsuleBytesMax, out _capsulesMr);
        _rsps = Register(pd!, Depth * NvmeCompletion.Size, out _rspsMr);
        Data = Register(pd!, Depth * SlotBytes, out var dataMr);
        DataMr = dataMr;
        Ok(Host.Cm.CreateEventChannel(out var ch), "channel");
        Channel = ch!;
        Ok(Host.Cm.CreateId(Channel, this, PortSpace.Tcp, out var id), "create_id");
        Id = id!;
        Ok(Id.ResolveAddr(null, target, 1000), "resolve_addr");
        _pendingConnect = (pd!, privateData, initiatorDepth, responderResources);
    }

    private (IProtectionDomain Pd, ReadOnlyMemory<byte> Data, byte Ird, byte Ord)? _pendingConnect;

    /// <summary>Handles CM events (resolve, connect, disconnect), acking each. Returns the last event type seen.</summary>
    public CmEventType? PollCm()
    {
        CmEventType? last = null;
        while (Channel.GetEvent(out var ev) == Errno.Ok)
        {
            CmEvents.Add(ev!.EventType);
            last = ev.EventType;
            Host.Cm.AckEvent(ev);
            OnCmEvent(ev.EventType);
        }

        return last;
    }

    private void OnCmEvent(CmEventType type)
    {
        if (type == CmEventType.AddrResolved)
        {
            Ok(Id.ResolveRoute(1000), "resolve_route");
        }
        else if (type == CmEventType.RouteResolved && _pendingConnect is { } p)
        {
            var init = new QpInitAttr
            {
                SendCq = Cq,
                RecvCq = Cq,
                QpType = QpType.Rc,
                Cap = new QpCap { MaxSendWr = (uint)Depth * 2, MaxRecvWr = (uint)Depth, MaxSendSge = 2, MaxRecvSge = 1 },
            };
            Ok(Id.CreateQp(p.Pd, init), "create_qp");
            for (var i = 0; i < Depth; i++)
            {
                PostRecv(i);
            }

            Ok(Id.Connect(new ConnParam { PrivateData = p.Data, InitiatorDepth = p.Ird, ResponderResources = p.Ord, RetryCount = 7, RnrRetryCount = 7 }), "connect");
        }
    }

    /// <summary>The CM private data of a well-formed connect for queue <paramref name="qid"/>.</summary>
    public static byte[] ConnectPrivateData(ushort qid, int depth)
    {
        var data = new byte[RdmaCmRequest.Size];
        // As SPDK's host: hsqsize = the queue's entries, hrqsize = entries + 1.
        new RdmaCmRequest { Recfmt = 0, Qid = qid, Hrqsize = (ushort)(depth + 1), Hsqsize = (ushort)depth }.Encode(data);
        return data;
    }

    /// <summary>Sends raw capsule bytes (any content) with wr_id = <paramref name="slot"/>.</summary>
    public int SendCapsule(int slot, ReadOnlySpan<byte> capsule)
    {
        var area = _capsules.Span.Slice(slot * CapsuleBytesMax, CapsuleBytesMax);
        capsule.CopyTo(area);
        var wr = new SendWorkRequest { WrId = (ulong)slot, Opcode = WrOpcode.Send, Flags = SendFlags.Signaled, NumSge = 1 };
        wr.SgList[0] = new Sge(_capsules.Address + (ulong)(slot * CapsuleBytesMax), (uint)capsule.Length, _capsulesMr.Lkey);
        return Qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
    }

    /// <summary>Sends a command (and optional in-capsule data) in slot = cid.</summary>
    public int Submit(in NvmeCommand cmd, ReadOnlySpan<byte> inCapsuleData = default)
    {
        Span<byte> capsule = stackalloc byte[64 + inCapsuleData.Length];
        cmd.Encode(capsule);
        inCapsuleData.CopyTo(capsule[64..]);
        _responses.Remove(cmd.Cid);
        return SendCapsule(cmd.Cid % Depth, capsule);
    }

    /// <summary>
    /// Sends <paramref name="cmd"/> with its data (slot <paramref name="slot"/>, <paramref name="length"/> bytes) described
    /// by an in-capsule Last Segment list of <paramref name="descriptors"/> keyed descriptors over consecutive equal
    /// pieces: the target reads or writes it with one RDMA WR per descriptor (SPDK HEAD's only multi-WR transfer).
    /// </summary>
    public int SubmitDescriptorList(NvmeCommand cmd, int slot, uint length, int descriptors)
    {
        Span<byte> list = stackalloc byte[descriptors * SglDescriptor.Size];
        var piece = length / (uint)descriptors;
        for (var i = 0; i < descriptors; i++)
        {
            var len = i == descriptors - 1 ? length - (piece * (uint)(descriptors - 1)) : piece;
            var address = Data.Address + (ulong)(slot * SlotBytes) + ((ulong)piece * (ulong)i);
            SglDescriptor.Keyed(address, len, DataMr.Rkey).Encode(list.Slice(i * SglDescriptor.Size, SglDescriptor.Size));
        }

        cmd.Dptr = SglDescriptor.LastSegmentInCapsule(0, descriptors);
        return Submit(cmd, list);
    }

    /// <summary>A keyed SGL over data slot <paramref name="slot"/>.</summary>
    public SglDescriptor Keyed(int slot, uint length, uint? key = null) =>
        SglDescriptor.Keyed(Data.Address + (ulong)(slot * SlotBytes), length, key ?? DataMr.Rkey);

    public Span<byte> Slot(int slot, int length) => Data.Span.Slice(slot * SlotBytes, length);

    /// <summary>Drains the CQ: responses by CID, failed WCs recorded, receives re-posted.</summary>
    public int PollCq()
    {
        Span<WorkCompletion> wcs = stackalloc WorkCompletion[32];
        var total = 0;
        int n;
        while ((n = Cq.Poll(wcs)) > 0)
        {
            total += n;
            foreach (var wc in wcs[..n])
            {
                OnCompletion(wc);
            }
        }

        return total;
    }

    private void OnCompletion(in WorkCompletion wc)
    {
        if (wc.Status != WcStatus.Success)
        {
            FailedWcs.Add(wc);
            return;
        }

        if (wc.Opcode != WcOpcode.Recv)
        {
            return;
        }

        var slot = (int)wc.WrId;
        NvmeCompletion.TryDecode(_rsps.Span.Slice(slot * NvmeCompletion.Size, NvmeCompletion.Size), out var cpl);
        if (!_responses.TryAdd(cpl.Cid, cpl))
        {
            throw new Xunit.Sdk.XunitException($"second response for CID {cpl.Cid}: {cpl}");
        }

        PostRecv(slot);
    }

    private void PostRecv(int slot)
    {
        var wr = new RecvWorkRequest { WrId = (ulong)slot, NumSge = 1 };
        wr.SgList[0] = new Sge(_rsps.Address + (ulong)(slot * NvmeCompletion.Size), NvmeCompletion.Size, _rspsMr.Lkey);
        Qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _);
    }

    private DmaBuffer Register(IProtectionDomain pd, int length, out IMemoryRegion mr)
    {
        var buffer = Host.Memory.Allocate(length);
        Ok(pd.RegMr(buffer, buffer.Address, (ulong)length, AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite, out var region), "reg_mr");
        mr = region!;
        return buffer;
    }

    private static void Ok(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            throw new Xunit.Sdk.XunitException($"{call} failed: {Errno.Name(rc)}");
        }
    }
}
