using Harness.Transport.Nvme;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// One RDMA data work request (READ or WRITE) of a request. A request owns one (SPDK's <c>data.wr</c>); transfers that
/// need more take them from the <see cref="DataWrPool"/>. Where SPDK chains them through <c>wr.next</c>, a request here
/// keeps them in order in <see cref="RdmaRequest.Wrs"/>.
/// </summary>
public sealed class RdmaDataWr
{
    public SendWorkRequest Wr;

    /// <summary>True for the WR embedded in its request (never returned to the pool).</summary>
    public bool Embedded { get; init; }
}

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_request</c>: the state, the capsule it serves, its data WR chain and counters, and two
/// intrusive links: <c>state_link</c> (shared by the free queue and the four pending queues) and <c>buf_link</c>
/// (the poll group's data-WR wait queue).
/// </summary>
public sealed partial class RdmaRequest : INvmfRequest
{
    /// <summary>Data buffers one request may hold (bounds multi-buffer transfers).</summary>
    public const int BuffersMax = 256;

    /// <summary>
    /// Data WRs one request may chain: its embedded WR and at most SPDK_NVMF_MAX_SGL_ENTRIES from the pool
    /// (rdma.c:nvmf_request_alloc_wrs:1457 refuses more; a keyed SGL is one WR, a descriptor list one per descriptor, and
    /// HEAD's unchecked num_wrs 17 of docs/findings/007 takes 16 extra).
    /// </summary>
    public const int DataWrsMax = NvmfRdmaTransport.SglEntriesMax + 1;

    internal RdmaRequest(RdmaResources resources, int index)
    {
        Resources = resources;
        Index = index;
        DataWrId = RdmaWrId.Encode(RdmaWrType.Data, resources.Id, index);
        RspWrId = RdmaWrId.Encode(RdmaWrType.Send, resources.Id, index);
        DataWr = new RdmaDataWr { Embedded = true };
        Wrs[0] = DataWr;
    }

    public RdmaResources Resources { get; }

    public int Index { get; }

    public RdmaRequestState State { get; internal set { field = value; Resources.Touch(); } } = RdmaRequestState.Free;

    /// <summary>The qpair the current command came in on (null while free).</summary>
    public RdmaQpair? Qpair { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>The receive holding the command capsule (null once re-posted).</summary>
    public RdmaRecv? Recv { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>wr_id of this request's data WRs (all share it, as in SPDK).</summary>
    public ulong DataWrId { get; }

    /// <summary>wr_id of the response SEND.</summary>
    public ulong RspWrId { get; }

    /// <summary>The embedded data WR (<c>rdma_req-&gt;data.wr</c>).</summary>
    public RdmaDataWr DataWr { get; }

    /// <summary>The request's data WRs in transfer order; <see cref="NumWrs"/> are valid, [0] is <see cref="DataWr"/>.</summary>
    internal RdmaDataWr?[] Wrs { get; } = new RdmaDataWr?[DataWrsMax];

    /// <summary>Index of the first WR not yet posted (SPDK's <c>remaining_tranfer_in_wrs</c>).</summary>
    public int FirstUnpostedWr { get; internal set; }

    /// <summary>Data WRs the transfer needs (<c>num_wrs</c>).</summary>
    public int NumWrs { get; internal set; }

    /// <summary>Data WRs posted and not yet completed (<c>num_outstanding_data_wr</c>).</summary>
    public int NumOutstandingDataWr { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>Data WRs of a split READ transfer not yet posted (<c>num_remaining_data_wr</c>).</summary>
    public int NumRemainingDataWr { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>RDMA READs of this request currently posted (checker: sum equals the qpair's read depth).</summary>
    public int OutstandingReads { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>True while the response SEND is posted and not completed.</summary>
    public bool RspPosted { get; internal set { field = value; Resources.Touch(); } }

    public NvmeDataTransfer Xfer { get; internal set; }

    /// <summary>Bytes to transfer.</summary>
    public uint Length { get; internal set; }

    /// <summary>True when the data is in the capsule (no RDMA READ).</summary>
    public bool InCapsuleData { get; internal set; }

    /// <summary>
    /// Buffers held (SPDK's <c>req-&gt;iov[]</c>): the index of each in the pool its length picks (iobuf puts a buffer back
    /// by its length, iobuf.c:spdk_iobuf_put:800), <see cref="BufferCount"/> valid.
    /// </summary>
    internal int[] Buffers { get; } = new int[BuffersMax];

    /// <summary>Bytes of each held buffer in use (SPDK's <c>iov_len</c>); picks its pool.</summary>
    internal uint[] BufferLengths { get; } = new uint[BuffersMax];

    /// <summary>SPDK's <c>req-&gt;iovcnt</c>: buffers held, including those a waiting request got before the pool ran out.</summary>
    public int BufferCount { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>
    /// SPDK's <c>req-&gt;iobuf.remaining_length</c>: bytes still without a buffer while the request waits in its poll
    /// group's iobuf channel (transport.c:nvmf_request_get_buffers:936).
    /// </summary>
    public uint IobufRemainingLength { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>SPDK's <c>req-&gt;iobuf.entry</c> link: the request's place in an iobuf channel's small or large waiter queue.</summary>
    internal RdmaRequest? IobufNext { get; set { field = value; Resources.Touch(); } }

    internal StailqId IobufOwner { get; set { field = value; Resources.Touch(); } }

    /// <summary>The response SEND (its SGE points at this request's slot in the completion array).</summary>
    public SendWorkRequest RspWr;

    /// <summary>The decoded command.</summary>
    public NvmeCommand Cmd;

    /// <summary>The completion being built.</summary>
    public NvmeCompletion Rsp;

    /// <summary>Keyed descriptors of a multi-descriptor SGL (<see cref="NumWrs"/> valid).</summary>
    internal SglDescriptor[] Descriptors { get; } = new SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];

    /// <summary>Offset of in-capsule data within the receive's data area.</summary>
    public uint InCapsuleOffset { get; internal set; }

    /// <summary>Bumped on every free, so a deferred completion for an earlier command is recognised as stale.</summary>
    public long Generation { get; internal set; }

    /// <summary>Virtual time the command arrived (latency statistics).</summary>
    public long ReceiveNs { get; internal set; }

    internal RdmaRequest? StateNext { get; set { field = value; Resources.Touch(); } }

    internal StailqId StateOwner { get; set { field = value; Resources.Touch(); } }

    internal RdmaRequest? BufNext { get; set { field = value; Resources.Touch(); } }

    internal StailqId BufOwner { get; set { field = value; Resources.Touch(); } }

    internal NvmfRdmaTransport? Transport { get; set; }

    /// <summary>Aborts whose retry waits on this command (chained; cleared when it is freed: docs/findings/018).</summary>
    internal AbortRequestCtx? AbortRetry { get; set; }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Command => Recv != null ? Resources.Capsule(Recv.Index) : ReadOnlySpan<byte>.Empty;

    /// <inheritdoc/>
    INvmfQpair INvmfRequest.Qpair => Qpair!;

    /// <inheritdoc/>
    public int CopyFromData(int offset, Span<byte> destination) => Transport!.CopyFromData(this, offset, destination);

    /// <inheritdoc/>
    public int CopyToData(int offset, ReadOnlySpan<byte> source) => Transport!.CopyToData(this, offset, source);

    /// <inheritdoc/>
    public void Complete(NvmeStatus status, uint dw0, uint dw1 = 0)
    {
        Rsp.Status = status;
        Rsp.Dw0 = dw0;
        Rsp.Dw1 = dw1;
        Transport!.OnExecuted(this);
    }

    /// <inheritdoc/>
    public void CompleteAfter(NvmeStatus status, uint dw0, long delayNs)
    {
        Rsp.Status = status;
        Rsp.Dw0 = dw0;
        Rsp.Dw1 = 0;
        Transport!.OnExecuted(this, delayNs);
    }

    /// <inheritdoc/>
    public void AbortCommand(ushort sqid, ushort cid) => Transport!.StartAbort(this, sqid, cid);

    /// <inheritdoc/>
    public void SendToItsThread(ThreadMessageFn fn, object? ctx) => Transport!.SendToGroupThread(this, fn, ctx);

    /// <inheritdoc/>
    public override string ToString() => $"request #{Index} of {Resources} ({State.ToName()})";
}

/// <summary>The request's <c>state_link</c>.</summary>
public readonly struct StateLink : IStailqLink<RdmaRequest>
{
    public static RdmaRequest? GetNext(RdmaRequest element) => element.StateNext;

    public static void SetNext(RdmaRequest element, RdmaRequest? next) => element.StateNext = next;

    public static StailqId GetOwner(RdmaRequest element) => element.StateOwner;

    public static void SetOwner(RdmaRequest element, StailqId owner) => element.StateOwner = owner;
}

/// <summary>The request's <c>buf_link</c>.</summary>
public readonly struct BufLink : IStailqLink<RdmaRequest>
{
    public static RdmaRequest? GetNext(RdmaRequest element) => element.BufNext;

    public static void SetNext(RdmaRequest element, RdmaRequest? next) => element.BufNext = next;

    public static StailqId GetOwner(RdmaRequest element) => element.BufOwner;

    public static void SetOwner(RdmaRequest element, StailqId owner) => element.BufOwner = owner;
}

/// <summary>The <c>stailq</c> link of SPDK's <c>spdk_iobuf_entry</c> embedded in the request (<c>req-&gt;iobuf.entry</c>).</summary>
public readonly struct IobufLink : IStailqLink<RdmaRequest>
{
    public static RdmaRequest? GetNext(RdmaRequest element) => element.IobufNext;

    public static void SetNext(RdmaRequest element, RdmaRequest? next) => element.IobufNext = next;

    public static StailqId GetOwner(RdmaRequest element) => element.IobufOwner;

    public static void SetOwner(RdmaRequest element, StailqId owner) => element.IobufOwner = owner;
}
