using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>One accepted connection of the <see cref="ScriptedTarget"/>: per slot a receive buffer, a response buffer and a data buffer.</summary>
public sealed class ScriptedTargetConnection
{
    public const int KindRecv = 1;
    public const int KindSend = 2;
    public const int KindRead = 3;
    public const int KindWrite = 4;

    private DmaBuffer? _buffer;
    private IMemoryRegion? _mr;

    public ScriptedTargetConnection(int index, ICmId id, RdmaCmRequest request, int depth)
    {
        Request = request;
        var qid = request.Qid;
        Index = index;
        Id = id;
        Qid = qid;
        Depth = depth;
        Pending = new NvmeCommand?[depth];
    }

    public int Index { get; }

    /// <summary>The host's CM private data.</summary>
    public RdmaCmRequest Request { get; }

    public ICmId Id { get; }

    public ushort Qid { get; }

    public int Depth { get; }

    public bool Closed { get; set; }

    /// <summary>Commands whose RDMA READ is in flight, by slot.</summary>
    public NvmeCommand?[] Pending { get; }

    public DmaBuffer Buffer => _buffer!;

    public uint Lkey => _mr!.Lkey;

    public static ulong WrId(int conn, int kind, int slot) => ((ulong)conn << 32) | ((ulong)kind << 24) | (uint)slot;

    public void Open(IDmaMemory memory, IProtectionDomain pd)
    {
        _buffer = memory.Allocate(Depth * (ScriptedTarget.RecvSlotBytes + NvmeCompletion.Size + ScriptedTarget.DataSlotBytes));
        var rc = pd.RegMr(_buffer, _buffer.Address, (ulong)_buffer.Length, AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite, out _mr);
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"scripted target: reg_mr failed: {Errno.Name(rc)}");
        }
    }

    public void Release(IDmaMemory memory)
    {
        _mr?.Dereg();
        if (_buffer != null)
        {
            memory.Free(_buffer);
        }
    }

    public int RecvOffset(int slot) => slot * ScriptedTarget.RecvSlotBytes;

    public int RspOffset(int slot) => (Depth * ScriptedTarget.RecvSlotBytes) + (slot * NvmeCompletion.Size);

    public int DataOffset(int slot) => (Depth * (ScriptedTarget.RecvSlotBytes + NvmeCompletion.Size)) + (slot * ScriptedTarget.DataSlotBytes);

    public Span<byte> Data(int slot, int length) => Buffer.Span.Slice(DataOffset(slot), length);

    public void PostRecv(int slot)
    {
        var wr = new RecvWorkRequest { WrId = WrId(Index, KindRecv, slot), NumSge = 1 };
        wr.SgList[0] = new Sge(Buffer.Address + (ulong)RecvOffset(slot), ScriptedTarget.RecvSlotBytes, Lkey);
        Id.Qp!.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _);
    }

    /// <summary>RDMA READ of the host's keyed buffer into the slot's data buffer.</summary>
    public void PostRead(int slot, in SglDescriptor sgl)
    {
        var wr = new SendWorkRequest { WrId = WrId(Index, KindRead, slot), Opcode = WrOpcode.RdmaRead, Flags = SendFlags.Signaled, NumSge = 1, RemoteAddr = sgl.Address, Rkey = sgl.Key };
        wr.SgList[0] = new Sge(Buffer.Address + (ulong)DataOffset(slot), sgl.Length, Lkey);
        Id.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
    }

    /// <summary>RDMA WRITE of the slot's data buffer to the host's keyed buffer (unsignaled; the response follows it).</summary>
    public void PostWrite(int slot, in SglDescriptor sgl, int length)
    {
        var wr = new SendWorkRequest { WrId = WrId(Index, KindWrite, slot), Opcode = WrOpcode.RdmaWrite, NumSge = 1, RemoteAddr = sgl.Address, Rkey = sgl.Key };
        wr.SgList[0] = new Sge(Buffer.Address + (ulong)DataOffset(slot), (uint)length, Lkey);
        Id.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
    }

    /// <summary>Re-posts the slot's receive, then sends the response capsule.</summary>
    public void Respond(int slot, NvmeCompletion cpl)
    {
        PostRecv(slot);
        cpl.Sqid = Qid;
        cpl.Encode(Buffer.Span.Slice(RspOffset(slot), NvmeCompletion.Size));
        var wr = new SendWorkRequest { WrId = WrId(Index, KindSend, slot), Opcode = WrOpcode.Send, Flags = SendFlags.Signaled, NumSge = 1 };
        wr.SgList[0] = new Sge(Buffer.Address + (ulong)RspOffset(slot), NvmeCompletion.Size, Lkey);
        Id.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
    }

    /// <inheritdoc/>
    public override string ToString() => $"target conn {Index} qid {Qid}";
}
