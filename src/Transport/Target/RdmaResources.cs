using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_resources</c>: requests, receives, and the registered arrays they use (64-byte command
/// capsules, 16-byte completions, in-capsule data buffers), the free-request queue and the incoming-receive queue.
/// One per qpair, or one per poller when an SRQ is used.
/// </summary>
public sealed class RdmaResources : IDisposable
{
    public const int CapsuleBytes = 64;
    public const int CompletionBytes = 16;

    private readonly IDmaMemory _memory;
    private readonly string _owner;

    private RdmaResources(int id, string owner, IDmaMemory memory, int depth, int inCapsuleDataSize, (DmaBuffer Buffer, IMemoryRegion Mr)[] arrays)
    {
        Id = id;
        _owner = owner;
        _memory = memory;
        Depth = depth;
        InCapsuleDataSize = inCapsuleDataSize;
        (Cmds, CmdsMr) = arrays[0];
        (Cpls, CplsMr) = arrays[1];
        (Bufs, BufsMr) = arrays[2];
        FreeQueue = new Stailq<RdmaRequest, StateLink>("free_queue", this);
        IncomingQueue = new Stailq<RdmaRecv, RecvLink>("incoming_queue", this);
        Reqs = new RdmaRequest[depth];
        Recvs = new RdmaRecv[depth];
        for (var i = 0; i < depth; i++)
        {
            Reqs[i] = NewRequest(i);
            Recvs[i] = NewRecv(i);
            FreeQueue.InsertTail(Reqs[i]);
        }
    }

    /// <summary>
    /// SPDK <c>nvmf_rdma_resources_create</c>: allocates and registers the command, completion and in-capsule data
    /// arrays. Null and the ibv_reg_mr errno when a registration fails, with the arrays registered before it deregistered
    /// and freed (SPDK's cleanup label), so nothing is leaked.
    /// </summary>
    public static RdmaResources? Create(int id, string owner, IDmaMemory memory, IProtectionDomain pd, int depth, int inCapsuleDataSize, out int rc)
    {
        int[] lengths = [depth * CapsuleBytes, depth * CompletionBytes, Math.Max(1, depth * inCapsuleDataSize)];
        var arrays = new (DmaBuffer Buffer, IMemoryRegion Mr)[lengths.Length];
        for (var i = 0; i < lengths.Length; i++)
        {
            var buffer = memory.Allocate(lengths[i]);
            rc = pd.RegMr(buffer, buffer.Address, (ulong)lengths[i], AccessFlags.LocalWrite, out var mr);
            if (rc != Errno.Ok)
            {
                memory.Free(buffer);
                for (var j = 0; j < i; j++)
                {
                    arrays[j].Mr.Dereg();
                    memory.Free(arrays[j].Buffer);
                }

                return null;
            }

            arrays[i] = (buffer, mr!);
        }

        rc = Errno.Ok;
        return new RdmaResources(id, owner, memory, depth, inCapsuleDataSize, arrays);
    }

    /// <summary>
    /// Writes to the fields of its requests and receives that <see cref="TargetInvariants"/> reads (state, queue links and
    /// owners, WR counters, receive and buffers), counted by their setters: an oracle that saw the same count last time
    /// knows the pool is as it left it without walking it (<see cref="TargetInvariants.CheckChanged"/>).
    /// </summary>
    public long Mutations { get; private set; }

    /// <summary>Transport-unique id, encoded in every wr_id of these objects.</summary>
    public int Id { get; }

    public int Depth { get; }

    public int InCapsuleDataSize { get; }

    public RdmaRequest[] Reqs { get; }

    public RdmaRecv[] Recvs { get; }

    public DmaBuffer Cmds { get; }

    public IMemoryRegion CmdsMr { get; }

    public DmaBuffer Cpls { get; }

    public IMemoryRegion CplsMr { get; }

    public DmaBuffer Bufs { get; }

    public IMemoryRegion BufsMr { get; }

    public Stailq<RdmaRequest, StateLink> FreeQueue { get; }

    public Stailq<RdmaRecv, RecvLink> IncomingQueue { get; }

    /// <summary>The 64-byte command capsule of receive <paramref name="index"/>.</summary>
    public Span<byte> Capsule(int index) => Cmds.Range(index * CapsuleBytes, CapsuleBytes);

    /// <summary>The in-capsule data area of receive <paramref name="index"/>.</summary>
    public Span<byte> InCapsuleData(int index) => Bufs.Range(index * InCapsuleDataSize, InCapsuleDataSize);

    /// <summary>The 16-byte completion of request <paramref name="index"/>.</summary>
    public Span<byte> Completion(int index) => Cpls.Range(index * CompletionBytes, CompletionBytes);

    /// <inheritdoc/>
    public void Dispose()
    {
        CmdsMr.Dereg();
        CplsMr.Dereg();
        BufsMr.Dereg();
        _memory.Free(Cmds);
        _memory.Free(Cpls);
        _memory.Free(Bufs);
    }

    /// <inheritdoc/>
    /// <summary>Counts one write to a checked field of its requests or receives (see <see cref="Mutations"/>).</summary>
    internal void Touch() => Mutations++;

    public override string ToString() => $"resources {Id} ({_owner})";

    private RdmaRequest NewRequest(int i)
    {
        var req = new RdmaRequest(this, i);
        req.RspWr = new SendWorkRequest { WrId = req.RspWrId, Opcode = WrOpcode.Send, Flags = SendFlags.Signaled, NumSge = 1 };
        req.RspWr.SgList[0] = new Sge(Cpls.Address + (ulong)(i * CompletionBytes), CompletionBytes, CplsMr.Lkey);
        return req;
    }

    private RdmaRecv NewRecv(int i)
    {
        var recv = new RdmaRecv(this, i);
        recv.Wr = new RecvWorkRequest { WrId = recv.WrId, NumSge = InCapsuleDataSize > 0 ? 2 : 1 };
        recv.Wr.SgList[0] = new Sge(Cmds.Address + (ulong)(i * CapsuleBytes), CapsuleBytes, CmdsMr.Lkey);
        if (InCapsuleDataSize > 0)
        {
            recv.Wr.SgList[1] = new Sge(Bufs.Address + (ulong)(i * InCapsuleDataSize), (uint)InCapsuleDataSize, BufsMr.Lkey);
        }

        return recv;
    }
}
