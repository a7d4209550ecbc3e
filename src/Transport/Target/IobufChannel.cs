using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>
/// A poll group's iobuf channel (SPDK's <c>tgroup-&gt;buf_cache</c>, an <c>spdk_iobuf_channel</c>, lib/thread/iobuf.c):
/// gets and puts of the group's requests, and one waiter queue per pool. A get that finds its pool empty queues the
/// request's entry; a put with a waiter queued hands the buffer straight to the first one and runs its callback there,
/// inside the put (iobuf.c:spdk_iobuf_put:838) - so inside whatever freed the buffer, usually another request's free.
/// In HEAD the waiters of a channel are served only by puts on that same channel (docs/findings/016); the port's fix
/// also serves them from the pool at every poll of the group (<see cref="ServeWaitersFromPool"/>). No per-channel cache: every put
/// with nobody waiting goes back to the pool (SPDK with <c>iobuf_*_cache_size</c> 0).
/// </summary>
public sealed class IobufChannel
{
    private readonly Iobuf _iobuf;
    private readonly Action<RdmaRequest, int> _getCallback;
    private readonly Threading.IMeetingPoints? _meetingPoints;

    internal IobufChannel(RdmaPollGroup group, Iobuf iobuf, Action<RdmaRequest, int> getCallback, Threading.IMeetingPoints? meetingPoints = null)
    {
        _meetingPoints = meetingPoints;
        _iobuf = iobuf;
        Group = group;
        _getCallback = getCallback;
        SmallQueue = new Stailq<RdmaRequest, IobufLink>("iobuf small_queue", group);
        LargeQueue = new Stailq<RdmaRequest, IobufLink>("iobuf large_queue", group);
        iobuf.AddChannel(this);
    }

    /// <summary>The poll group whose thread uses the channel.</summary>
    public RdmaPollGroup Group { get; }

    /// <summary>Entries waiting for a small buffer (<c>iobuf_channel_node.small_queue</c>).</summary>
    public Stailq<RdmaRequest, IobufLink> SmallQueue { get; }

    /// <summary>Entries waiting for a large buffer (<c>iobuf_channel_node.large_queue</c>).</summary>
    public Stailq<RdmaRequest, IobufLink> LargeQueue { get; }

    /// <summary>The transport's pools this channel takes from.</summary>
    public Iobuf Iobuf => _iobuf;

    /// <summary>
    /// <c>spdk_iobuf_get</c> (iobuf.c:728): a buffer for <paramref name="length"/> bytes, or -1 with
    /// <paramref name="entry"/> (when given) queued at the tail of the pool's waiter queue. It does not look at the queue
    /// first: a get may succeed while older entries of the same pool wait.
    /// </summary>
    internal int Get(uint length, RdmaRequest? entry)
    {
        _meetingPoints?.At(Threading.MeetingPoint.IobufGet);
        var pool = _iobuf.PoolFor(length);
        var buffer = pool.TryGetOne();
        if (buffer < 0 && entry != null)
        {
            QueueOf(pool).InsertTail(entry);
        }

        Check.That(buffer >= 0 || entry == null || entry.IobufOwner == QueueOf(pool).Id, InvariantNames.RequestInOneQueue, (entry, pool), s =>
            $"{s.entry} got no {s.pool.Name} buffer and is not waiting in the channel for one");
        return buffer;
    }

    /// <summary>
    /// <c>spdk_iobuf_put</c> (iobuf.c:783): back to the pool when nobody waits, else to the first waiter, whose
    /// callback runs here. A waiter the callback queued again (it still lacks buffers) goes back to the head, keeping its
    /// place (iobuf.c:839).
    /// </summary>
    internal void Put(int buffer, uint length)
    {
        _meetingPoints?.At(Threading.MeetingPoint.IobufPut);
        var pool = _iobuf.PoolFor(length);
        Check.That(pool.InUse(buffer), InvariantNames.BufferConservation, (pool, buffer), s =>
            $"{s.pool.Name} buffer {s.buffer} put back but it is not out of that pool (put twice, or of another pool)");
        var queue = QueueOf(pool);
        if (queue.IsEmpty)
        {
            pool.Put(buffer);
            _iobuf.OnReturnedToPool(pool, this);
            return;
        }

        Hand(queue, buffer);
    }

    /// <summary>
    /// <c>spdk_iobuf_entry_abort</c> (iobuf.c:715): unlinks <paramref name="entry"/> from the queue of the pool that
    /// <paramref name="length"/> picks, if it waits there. The buffers it already got stay with it (freed with it).
    /// </summary>
    internal bool Abort(RdmaRequest entry, uint length)
    {
        var queue = QueueOf(_iobuf.PoolFor(length));
        if (entry.IobufOwner != queue.Id)
        {
            return false;
        }

        queue.Remove(entry);
        return true;
    }

    /// <summary>
    /// The fix of docs/findings/016, run at every poll of the group: while this channel has waiters and their pool has
    /// free buffers (put back through another channel, or by another iobuf user), hand them over as a put would. HEAD has
    /// no such retry: only a put on this channel serves its waiters. Returns the buffers handed over.
    /// </summary>
    internal int ServeWaitersFromPool()
    {
        var served = Serve(_iobuf.Small, SmallQueue);
        return _iobuf.Large is { } large ? served + Serve(large, LargeQueue) : served;
    }

    private int Serve(BufferPool pool, Stailq<RdmaRequest, IobufLink> queue)
    {
        if (queue.IsEmpty)
        {
            return 0;
        }

        _meetingPoints?.At(Threading.MeetingPoint.IobufGet);
        var served = 0;
        while (!queue.IsEmpty && pool.TryGetOne() is var buffer and >= 0)
        {
            Hand(queue, buffer);
            served++;
        }

        return served;
    }

    /// <summary>The first waiter of <paramref name="queue"/> takes <paramref name="buffer"/>; if it still lacks some it keeps its place at the head.</summary>
    private void Hand(Stailq<RdmaRequest, IobufLink> queue, int buffer)
    {
        var entry = queue.RemoveHead();
        _getCallback(entry, buffer);
        if (entry == queue.Last && entry != queue.First)
        {
            queue.Remove(entry);
            queue.InsertHead(entry);
        }
    }

    /// <summary>True when an entry waits here for a buffer of <paramref name="pool"/>.</summary>
    internal bool HasWaitersFor(BufferPool pool) => !QueueOf(pool).IsEmpty;

    /// <summary>Queues <paramref name="entry"/> for a buffer of <paramref name="length"/> bytes without trying the pool (snapshot restoration).</summary>
    internal void Enqueue(RdmaRequest entry, uint length) => QueueOf(_iobuf.PoolFor(length)).InsertTail(entry);

    /// <summary>Whether <paramref name="entry"/> waits in either queue.</summary>
    public bool IsWaiting(RdmaRequest entry) => entry.IobufOwner == SmallQueue.Id || entry.IobufOwner == LargeQueue.Id;

    private Stailq<RdmaRequest, IobufLink> QueueOf(BufferPool pool) => ReferenceEquals(pool, _iobuf.Small) ? SmallQueue : LargeQueue;
}
