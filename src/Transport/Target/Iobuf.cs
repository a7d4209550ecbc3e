using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>
/// The transport's iobuf (SPDK's <c>g_iobuf</c>, lib/thread/iobuf.c, as the nvmf transport sees it through
/// <c>small_bufsize</c>/<c>large_bufsize</c>, transport.c:nvmf_transport_create_async_done:209): a small and a large
/// pool. A length up to the small buffer size is served by the small pool, a longer one by the large pool
/// (iobuf.c:spdk_iobuf_get:738). When the large pool is configured empty (<see cref="TargetOptions.LargePoolCount"/> 0,
/// this port's default, so that the scenarios written before it keep their buffer counts) every length is cut into
/// small buffers, as the port did before.
/// </summary>
public sealed class Iobuf
{
    /// <summary>Channels that take from these pools (one per poll group).</summary>
    public const int ChannelsMax = 1024;

    private readonly List<IobufChannel> _channels = new();

    public Iobuf(BufferPool small, BufferPool? large)
    {
        Check.That(large == null || large.BufferSize > small.BufferSize, InvariantNames.BufferConservation, (small, large), s =>
            $"iobuf large_bufsize {s.large!.BufferSize} is not above small_bufsize {s.small.BufferSize}");
        Small = small;
        Large = large;
    }

    /// <summary>SPDK's <c>small_pool</c> (<c>small_bufsize</c>, <c>small_pool_count</c>).</summary>
    public BufferPool Small { get; }

    /// <summary>SPDK's <c>large_pool</c>, or null when <see cref="TargetOptions.LargePoolCount"/> is 0.</summary>
    public BufferPool? Large { get; }

    /// <summary>Buffers of both pools.</summary>
    public int Count => Small.Count + (Large?.Count ?? 0);

    /// <summary>Free buffers of both pools.</summary>
    public int Available => Small.Available + (Large?.Available ?? 0);

    /// <summary>
    /// The unit a request of <paramref name="length"/> bytes is cut into (transport.c:nvmf_request_get_buffers:911):
    /// large_bufsize above small_bufsize, else small_bufsize.
    /// </summary>
    public uint UnitFor(uint length) => length > (uint)Small.BufferSize && Large != null ? (uint)Large.BufferSize : (uint)Small.BufferSize;

    /// <summary>The length of the next iov of a request still missing <paramref name="remaining"/> bytes: one unit, or less at the end.</summary>
    public uint NextIovLength(uint remaining) => Math.Min(UnitFor(remaining), remaining);

    /// <summary>The pool an iov of <paramref name="length"/> bytes comes from and goes back to (iobuf.c:spdk_iobuf_put:800).</summary>
    public BufferPool PoolFor(uint length)
    {
        if (length <= (uint)Small.BufferSize || Large == null)
        {
            return Small;
        }

        Check.That(length <= (uint)Large.BufferSize, InvariantNames.BufferConservation, (this, length), s =>
            $"an iov of {s.length} bytes is longer than the large buffers ({s.Item1.Large!.BufferSize})");
        return Large;
    }

    /// <summary>The pool whose region holds <paramref name="address"/>.</summary>
    public BufferPool PoolAt(ulong address)
    {
        if (Small.Contains(address))
        {
            return Small;
        }

        Check.That(Large != null && Large.Contains(address), InvariantNames.BufferBounds, address, a => $"address 0x{a:x} is in no iobuf pool");
        return Large!;
    }

    internal void AddChannel(IobufChannel channel)
    {
        Check.That(_channels.Count < ChannelsMax, InvariantNames.BufferConservation, channel, static c => $"{c}: more than {ChannelsMax} iobuf channels");
        _channels.Add(channel);
    }

    /// <summary>
    /// A buffer of <paramref name="pool"/> went back to it through <paramref name="from"/>: the thread of every other
    /// channel with a waiter for that pool is told, as its next poll may serve it (<see cref="IobufChannel.ServeWaitersFromPool"/>).
    /// </summary>
    internal void OnReturnedToPool(BufferPool pool, IobufChannel from)
    {
        for (var i = 0; i < _channels.Count; i++)
        {
            if (!ReferenceEquals(_channels[i], from) && _channels[i].HasWaitersFor(pool))
            {
                _channels[i].Group.Thread?.Notify();
            }
        }
    }
}
