using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// What a connected qpair owns (SPDK's rdma_reqs, cmds, rsps and their MRs): one registered buffer holding the
/// command capsules (64 bytes each), the response buffers (16 bytes each) and the Fabrics Connect data (1024
/// bytes); the requests with their free stack and outstanding list; the depth counters.
/// </summary>
internal sealed class QpairResources
{
    private readonly int[] _free;
    private readonly int[] _deferredRecv;
    private readonly long[] _deferredDueNs;
    private int _freeCount;
    private int _deferredHead;
    private int _deferredCount;
    private NvmeRdmaRequest? _head;
    private NvmeRdmaRequest? _tail;

    private QpairResources(int entries, DmaBuffer buffer, IMemoryRegion mr, bool batched)
    {
        Entries = entries;
        SendsToPost = batched ? new SendWorkRequest[entries] : Array.Empty<SendWorkRequest>();
        RecvsToPost = batched ? new RecvWorkRequest[entries] : Array.Empty<RecvWorkRequest>();
        Buffer = buffer;
        Mr = mr;
        Requests = new NvmeRdmaRequest[entries];
        RecvPosted = new bool[entries];
        _free = new int[entries];
        _deferredRecv = new int[entries];
        _deferredDueNs = new long[entries];
        for (var i = 0; i < entries; i++)
        {
            Requests[i] = new NvmeRdmaRequest((ushort)i);
            _free[i] = entries - 1 - i; // lowest index on top
        }

        _freeCount = entries;
    }

    public int Entries { get; }

    public DmaBuffer Buffer { get; }

    public IMemoryRegion Mr { get; }

    public NvmeRdmaRequest[] Requests { get; }

    public bool[] RecvPosted { get; }

    /// <summary>SEND WRs posted and not yet completed (SPDK <c>current_num_sends</c>).</summary>
    public int CurrentNumSends { get; set; }

    /// <summary>RECV WRs posted and not yet completed (SPDK <c>rsps-&gt;current_num_recvs</c>).</summary>
    public int CurrentNumRecvs { get; set; }

    public int OutstandingCount => Entries - _freeCount;

    /// <summary>SPDK <c>rdma_qp-&gt;send_wrs</c>: capsule SENDs queued with delay_cmd_submit, posted as one chain at the end of the round.</summary>
    public SendWorkRequest[] SendsToPost { get; }

    /// <summary>Entries of <see cref="SendsToPost"/> in use.</summary>
    public int SendsToPostCount { get; set; }

    /// <summary>SPDK <c>rdma_qp-&gt;recv_wrs</c>: response receives queued with delay_cmd_submit.</summary>
    public RecvWorkRequest[] RecvsToPost { get; }

    /// <summary>Entries of <see cref="RecvsToPost"/> in use.</summary>
    public int RecvsToPostCount { get; set; }

    /// <summary>The oldest outstanding request.</summary>
    public NvmeRdmaRequest? Oldest => _head;

    public int ConnectDataOffset => Entries * (NvmeCommand.Size + NvmeCompletion.Size);

    public static int BufferBytes(int entries) => (entries * (NvmeCommand.Size + NvmeCompletion.Size)) + ConnectData.Size + (entries * DescriptorsBytes);

    /// <summary>
    /// Bytes of one request's in-capsule descriptor list (SPDK's <c>spdk_nvmf_cmd.sgl[NVME_RDMA_MAX_SGL_DESCRIPTORS]</c>,
    /// sent after the command when a payload has several iovecs). Kept after the connect data so the other offsets hold.
    /// </summary>
    public const int DescriptorsBytes = SglDescriptor.MaxInCapsuleDescriptors * SglDescriptor.Size;

    /// <summary>Address of request <paramref name="index"/>'s descriptor list.</summary>
    public ulong DescriptorsAddress(int index) => Buffer.Address + (ulong)(ConnectDataOffset + ConnectData.Size + (index * DescriptorsBytes));

    /// <summary>Request <paramref name="index"/>'s descriptor list.</summary>
    public Span<byte> Descriptors(int index) => Buffer.Range(ConnectDataOffset + ConnectData.Size + (index * DescriptorsBytes), DescriptorsBytes);

    /// <summary>Allocates and registers the buffer; null and an errno when registration fails (nothing is leaked).</summary>
    public static QpairResources? Create(IDmaMemory memory, IProtectionDomain pd, int entries, bool batched, out int rc)
    {
        var buffer = memory.Allocate(BufferBytes(entries));
        // Commands are sent, responses received, the connect data read by the target (keyed SGL): nothing is written remotely.
        rc = pd.RegMr(buffer, buffer.Address, (ulong)buffer.Length, AccessFlags.LocalWrite | AccessFlags.RemoteRead, out var mr);
        if (rc != Errno.Ok)
        {
            memory.Free(buffer);
            return null;
        }

        return new QpairResources(entries, buffer, mr!, batched);
    }

    public ulong CommandAddress(int index) => Buffer.Address + (ulong)(index * NvmeCommand.Size);

    public Span<byte> Command(int index) => Buffer.Range(index * NvmeCommand.Size, NvmeCommand.Size);

    public ulong ResponseAddress(int index) => Buffer.Address + (ulong)((Entries * NvmeCommand.Size) + (index * NvmeCompletion.Size));

    public ReadOnlySpan<byte> Response(int index) => Buffer.Range((Entries * NvmeCommand.Size) + (index * NvmeCompletion.Size), NvmeCompletion.Size);

    /// <summary>A free request, moved to the tail of the outstanding list (SPDK nvme_rdma_req_get), or null.</summary>
    public NvmeRdmaRequest? Get()
    {
        if (_freeCount == 0)
        {
            return null;
        }

        var req = Requests[_free[--_freeCount]];
        req.Outstanding = true;
        req.Prev = _tail;
        if (_tail != null)
        {
            _tail.Next = req;
        }
        else
        {
            _head = req;
        }

        _tail = req;
        return req;
    }

    /// <summary>Unlinks an outstanding request and returns it to the free stack (SPDK nvme_rdma_req_put).</summary>
    public void Put(NvmeRdmaRequest req)
    {
        Check.That(req.Outstanding, InvariantNames.CompletesOnce, req, r => $"request cid {r.Id} put back twice");
        if (req.Prev != null)
        {
            req.Prev.Next = req.Next;
        }
        else
        {
            _head = req.Next;
        }

        if (req.Next != null)
        {
            req.Next.Prev = req.Prev;
        }
        else
        {
            _tail = req.Prev;
        }

        req.Reset();
        _free[_freeCount++] = req.Id;
    }

    /// <summary>Response buffers whose receive is waiting to be posted again (<see cref="HostOptions.RecvRepostDelayNs"/>).</summary>
    public int DeferredRecvs => _deferredCount;

    /// <summary>Remembers that response buffer <paramref name="index"/> is to be posted again at <paramref name="dueNs"/> (FIFO).</summary>
    public void DeferRecv(int index, long dueNs)
    {
        Check.That(_deferredCount < Entries, InvariantNames.QueueIntegrity, (this, index), s => $"response buffer {s.index}: more deferred receives than entries ({s.Item1.Entries})");
        Check.That(!RecvPosted[index], InvariantNames.QueueIntegrity, index, i => $"response buffer {i}: deferred while its receive is posted");
        _deferredRecv[(_deferredHead + _deferredCount) % Entries] = index;
        _deferredDueNs[(_deferredHead + _deferredCount) % Entries] = dueNs;
        _deferredCount++;
    }

    /// <summary>When the oldest deferred response buffer is due, or <see cref="ITimedPoller.Never"/> when none is deferred.</summary>
    public long NextDeferredRecvDueNs => _deferredCount == 0 ? ITimedPoller.Never : _deferredDueNs[_deferredHead];

    /// <summary>The oldest deferred response buffer if it is due at <paramref name="nowNs"/> (removed), else -1.</summary>
    public int TakeDueRecv(long nowNs)
    {
        if (_deferredCount == 0 || _deferredDueNs[_deferredHead] > nowNs)
        {
            return -1;
        }

        var index = _deferredRecv[_deferredHead];
        _deferredHead = (_deferredHead + 1) % Entries;
        _deferredCount--;
        return index;
    }

    /// <summary>Counts the WRs marked posted: must equal the counters (depth-counters invariant).</summary>
    public void CheckCounters(string owner)
    {
        var sends = 0;
        var recvs = 0;
        for (var i = 0; i < Entries; i++)
        {
            sends += Requests[i].SendPosted ? 1 : 0;
            recvs += RecvPosted[i] ? 1 : 0;
        }

        Check.That(sends == CurrentNumSends && recvs == CurrentNumRecvs, InvariantNames.DepthCounters, (owner, sends, recvs, this),
            s => $"{s.owner}: current_num_sends {s.Item4.CurrentNumSends} / current_num_recvs {s.Item4.CurrentNumRecvs}, but {s.sends} SEND and {s.recvs} RECV WRs are outstanding");
    }

    /// <summary>
    /// receive-conservation for the host's response buffers: each is posted or waiting to be posted again (a response is
    /// copied into its request when it arrives, and its buffer re-posted at once, as SPDK HEAD). One that is nowhere is
    /// lost (the target then runs out of receives to send responses into: RNR, then a retry-exceeded).
    /// </summary>
    public void CheckReceives(string owner)
    {
        var posted = 0;
        for (var i = 0; i < Entries; i++)
        {
            posted += RecvPosted[i] ? 1 : 0;
        }

        Check.That(posted + _deferredCount == Entries, InvariantNames.ReceiveConservation, (owner, posted, this),
            s => $"{s.owner}: {s.Item3.Entries} response buffers but {s.posted} posted + {s.Item3.DeferredRecvs} waiting to be posted again = {s.posted + s.Item3.DeferredRecvs}");
    }

    /// <summary>Deregisters and frees the buffer. The requests must all be free.</summary>
    public void Release(IDmaMemory memory, string owner)
    {
        Check.That(_freeCount == Entries, InvariantNames.NoLeakOnDestroy, (owner, this),
            s => $"{s.owner}: destroyed with {s.Item2.OutstandingCount} request(s) still outstanding");
        var rc = Mr.Dereg();
        Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (owner, rc), s => $"{s.owner}: ibv_dereg_mr of the command/response buffer failed: {Errno.Name(s.rc)}");
        memory.Free(Buffer);
    }
}
