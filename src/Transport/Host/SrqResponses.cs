using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// A host poller's shared receive queue and its response buffers (SPDK HEAD <c>poller-&gt;srq</c> and
/// <c>poller-&gt;rsps</c>, nvme_rdma.c:nvme_rdma_poller_create:3555–3600): <see cref="HostOptions.RdmaSrqSize"/>
/// receives shared by every qpair of the poll group. A receive is posted on the SRQ, queued to be posted at the end of
/// the group's round (<c>spdk_rdma_provider_srq_queue_recv_wrs</c>), or held by the RECV completion being processed.
/// <see cref="CurrentNumRecvs"/> is SPDK's <c>rsps-&gt;current_num_recvs</c>: posted + queued.
/// </summary>
internal sealed class SrqResponses
{
    private readonly BufferState[] _states;
    private readonly RecvWorkRequest[] _queue;
    private readonly bool _defectRecvLost;
    private readonly Action<string> _log;
    private int _queued;
    private int _posted;
    private int _held;

    private SrqResponses(ISharedReceiveQueue srq, DmaBuffer buffer, IMemoryRegion mr, IProtectionDomain pd, int entries, byte generation, bool defectRecvLost, Action<string> log)
    {
        Srq = srq;
        _log = log;
        Buffer = buffer;
        Mr = mr;
        Pd = pd;
        Entries = entries;
        Generation = generation;
        _defectRecvLost = defectRecvLost;
        _states = new BufferState[entries];
        _queue = new RecvWorkRequest[entries];
        for (var i = 0; i < entries; i++)
        {
            Queue(i); // nvme_rdma_create_rsps queues every receive; the poller posts them at once
        }

        CurrentNumRecvs = entries;
    }

    private enum BufferState : byte
    {
        /// <summary>On no queue: only a failed post under the known defect leaves a buffer here (lost for the poller's life).</summary>
        Lost,
        Posted,
        Queued,
        Held,
    }

    public ISharedReceiveQueue Srq { get; }

    public DmaBuffer Buffer { get; }

    public IMemoryRegion Mr { get; }

    /// <summary>The protection domain of the SRQ and its buffers: every QP on the SRQ must be in it.</summary>
    public IProtectionDomain Pd { get; }

    /// <summary>Response buffers (<c>rdma_srq_size</c>, clamped to the device's max_srq_wr as HEAD).</summary>
    public int Entries { get; }

    /// <summary>Names this pool in its wr ids: completions of an earlier pool of the same group are stale.</summary>
    public byte Generation { get; }

    /// <summary>Qpairs created on the SRQ and not yet destroyed (HEAD's poller refcnt, for the SRQ part).</summary>
    public int Users { get; set; }

    /// <summary>SPDK <c>rsps-&gt;current_num_recvs</c>: receives posted or queued for posting.</summary>
    public int CurrentNumRecvs { get; private set; }

    /// <summary>Receives lost to failed posts (the known defect only).</summary>
    public int Lost => Entries - _posted - _queued - _held;

    /// <summary>Creates the SRQ and registers its buffers in <paramref name="pd"/>; null and an errno on failure (nothing leaked).</summary>
    public static SrqResponses? Create(IDmaMemory memory, IProtectionDomain pd, int entries, byte generation, bool defectRecvLost, Action<string> log, out int rc)
    {
        rc = pd.Context.QueryDevice(out var attr);
        if (rc != Errno.Ok)
        {
            return null;
        }

        var n = Math.Min(entries, attr.MaxSrqWr);
        rc = pd.CreateSrq((uint)n, 1, null, out var srq);
        if (rc != Errno.Ok)
        {
            return null;
        }

        var buffer = memory.Allocate(n * NvmeCompletion.Size);
        rc = pd.RegMr(buffer, buffer.Address, (ulong)buffer.Length, AccessFlags.LocalWrite, out var mr);
        if (rc != Errno.Ok)
        {
            memory.Free(buffer);
            srq!.Destroy();
            return null;
        }

        return new SrqResponses(srq!, buffer, mr!, pd, n, generation, defectRecvLost, log);
    }

    /// <summary>True when <paramref name="wrId"/> names one of this pool's buffers (a RECV of generation <see cref="Generation"/>).</summary>
    public bool Owns(ulong wrId) => HostWrId.IsRecv(wrId) && HostWrId.Serial(wrId) == HostWrId.SrqSerial && HostWrId.Generation(wrId) == Generation;

    /// <summary>Response buffer <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Response(int index) => Buffer.Range(index * NvmeCompletion.Size, NvmeCompletion.Size);

    /// <summary>
    /// A RECV completion for buffer <paramref name="index"/>: it must have been posted; the receive is held by the
    /// completion until <see cref="Requeue"/>. <paramref name="counted"/>: take it off current_num_recvs (HEAD does so
    /// only when the completion's qpair is found, nvme_rdma_process_recv_completion:3150).
    /// </summary>
    public void Take(int index, bool counted)
    {
        Check.That(index < Entries && _states[index] == BufferState.Posted, InvariantNames.QueueIntegrity, (this, index),
            s => $"{s.Item1}: RECV completion for response buffer {s.index}, which is not a posted receive of this SRQ");
        _states[index] = BufferState.Held;
        _posted--;
        _held++;
        if (counted)
        {
            Check.That(CurrentNumRecvs > 0, InvariantNames.DepthCounters, this, p => $"{p}: RECV completion with current_num_recvs 0");
            CurrentNumRecvs--;
        }
    }

    /// <summary>
    /// The held receive of buffer <paramref name="index"/> goes back on the queue (posted at the round's end);
    /// <paramref name="counted"/> adds it to current_num_recvs again.
    /// </summary>
    public void Requeue(int index, bool counted)
    {
        Check.That(_states[index] == BufferState.Held, InvariantNames.QueueIntegrity, (this, index),
            s => $"{s.Item1}: response buffer {s.index} queued again while not held by a completion");
        _held--;
        Queue(index);
        if (counted)
        {
            Check.That(CurrentNumRecvs < Entries, InvariantNames.DepthCounters, this, p => $"{p}: current_num_recvs beyond the pool");
            CurrentNumRecvs++;
        }
    }

    /// <summary>
    /// SPDK <c>nvme_rdma_poller_submit_recvs</c> (nvme_rdma.c:977): posts the queued receives as one chain. From the first
    /// not posted on, they stay queued for the next round and stay counted (docs/findings/023); with the known defect
    /// they are dropped and taken off current_num_recvs, as HEAD's nvme_rdma_reset_failed_recvs.
    /// </summary>
    public int Submit()
    {
        if (_queued == 0)
        {
            return Errno.Ok;
        }

        var n = _queued;
        var rc = Srq.PostRecv(_queue.AsSpan(0, n), out var bad);
        var posted = rc == Errno.Ok ? n : Math.Clamp(bad, 0, n);
        for (var i = 0; i < posted; i++)
        {
            _states[HostWrId.Index(_queue[i].WrId)] = BufferState.Posted;
        }

        _posted += posted;
        _queued = 0;
        if (rc != Errno.Ok)
        {
            _log($"Failed to post WRs on the SRQ, errno {Errno.Name(rc)}, bad_wr {bad} of {n}");
            for (var i = posted; i < n; i++)
            {
                var index = HostWrId.Index(_queue[i].WrId);
                if (_defectRecvLost)
                {
                    _states[index] = BufferState.Lost;
                    CurrentNumRecvs--;
                }
                else
                {
                    _queue[_queued++] = _queue[i]; // still queued: posted again at the next round's end
                }
            }
        }

        CheckConservation();
        return rc;
    }

    /// <summary>
    /// receive-conservation of the pool (between completions: nothing is held) and current_num_recvs = posted + queued.
    /// A receive on no queue is lost: the SRQ is shorter for the poller's life, and once it is empty no response reaches
    /// any qpair of the group.
    /// </summary>
    public void CheckConservation()
    {
        Check.That(_posted + _queued + _held == Entries, InvariantNames.ReceiveConservation, this,
            p => $"{p}: {p.Entries} response buffers but {p._posted} posted + {p._queued} queued + {p._held} held = {p._posted + p._queued + p._held}");
        Check.That(CurrentNumRecvs == _posted + _queued + _held, InvariantNames.DepthCounters, this,
            p => $"{p}: current_num_recvs {p.CurrentNumRecvs}, but {p._posted} receives posted and {p._queued} queued");
    }

    /// <summary>Destroys the SRQ, deregisters and frees the buffers (the last qpair on it is destroyed).</summary>
    public void Release(IDmaMemory memory)
    {
        Check.That(Users == 0 && _held == 0, InvariantNames.NoLeakOnDestroy, this, p => $"{p}: released with {p.Users} qpair(s) on it");
        var rc = Srq.Destroy();
        Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (this, rc), s => $"{s.Item1}: ibv_destroy_srq failed: {Errno.Name(s.rc)}");
        rc = Mr.Dereg();
        Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (this, rc), s => $"{s.Item1}: ibv_dereg_mr of the SRQ buffers failed: {Errno.Name(s.rc)}");
        memory.Free(Buffer);
    }

    /// <inheritdoc/>
    public override string ToString() => $"poller SRQ (generation {Generation}, {Entries} receives)";

    private void Queue(int index)
    {
        Check.That(_queued < Entries, InvariantNames.QueueIntegrity, (this, index), s => $"{s.Item1}: response buffer {s.index} queued beyond the pool");
        var wr = new RecvWorkRequest { WrId = HostWrId.Recv(HostWrId.SrqSerial, Generation, index), NumSge = 1 };
        wr.SgList[0] = new Sge(Buffer.Address + (ulong)(index * NvmeCompletion.Size), NvmeCompletion.Size, Mr.Lkey);
        _queue[_queued++] = wr;
        _states[index] = BufferState.Queued;
    }
}
