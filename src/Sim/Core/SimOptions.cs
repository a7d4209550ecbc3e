using Harness.Sim.Faults;

namespace Harness.Sim.Core;

/// <summary>Parameters of a simulated world. Defaults model a 100 Gb/s RoCEv2 link with ConnectX-like limits.</summary>
public sealed record SimOptions
{
    /// <summary>The seed: with the same binary, it fixes everything.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The provider the NIC behaves as where providers differ (vendor id, LAST_WQE_REACHED).</summary>
    public Nic.SimProvider Provider { get; init; } = Nic.SimProvider.Mlx5;

    /// <summary>One-way wire + switch latency.</summary>
    public long LinkLatencyNs { get; init; } = 1_000;

    /// <summary>Serialization cost in picoseconds per byte (80 ps/byte = 100 Gb/s).</summary>
    public long PicosecondsPerByte { get; init; } = 80;

    /// <summary>NIC processing time per work request.</summary>
    public long NicProcessingNs { get; init; } = 50;

    /// <summary>Delay before a CM event reaches its channel.</summary>
    public long CmEventLatencyNs { get; init; } = 20_000;

    /// <summary>Upper bound of the extra, seed-chosen delay per CM event (reorders events of different ids).</summary>
    public long CmEventJitterNsMax { get; init; } = 10_000;

    /// <summary>Time an id spends in timewait after DISCONNECTED before TIMEWAIT_EXIT.</summary>
    public long CmTimewaitNs { get; init; } = 1_000_000;

    /// <summary>
    /// When a connected QP enters ERR without rdma_disconnect, the CM disconnects it after this long; negative (the
    /// default, as on hardware): never. The CM does not watch QP states: a QP that fails by itself sends no DREQ, and the
    /// peer learns of it only through its own retries, timeouts or an explicit rdma_disconnect. A non-negative value is
    /// a friendlier fabric, for tests of what follows a disconnect.
    /// </summary>
    public long QpErrorDisconnectDelayNs { get; init; } = QpErrorDisconnectNever;

    /// <summary><see cref="QpErrorDisconnectDelayNs"/> value for "the CM never disconnects by itself".</summary>
    public const long QpErrorDisconnectNever = -1;

    /// <summary>ACK timeout exponent the CM programs on connect (4.096 µs × 2^n; 14 ≈ 67 ms, librdmacm's default).</summary>
    public byte DefaultAckTimeoutExponent { get; init; } = 14;

    /// <summary>Encoded min RNR timer the CM programs (IB table; 12 = 0.64 ms).</summary>
    public byte DefaultMinRnrTimer { get; init; } = 12;

    /// <summary>Device limits.</summary>
    public int MaxQpWr { get; init; } = 32_768;

    /// <inheritdoc cref="MaxQpWr"/>
    public int MaxSge { get; init; } = 16;

    /// <inheritdoc cref="MaxQpWr"/>
    public int MaxCqe { get; init; } = 4_194_303;

    /// <inheritdoc cref="MaxQpWr"/>
    public int MaxQpRdAtom { get; init; } = 16;

    /// <inheritdoc cref="MaxQpWr"/>
    public int MaxSrqWr { get; init; } = 32_767;

    /// <summary>Faults: scripted and swarm.</summary>
    public FaultPlan Faults { get; init; } = FaultPlan.None;

    /// <summary>Records of the trace kept in memory (for tests and failure reports).</summary>
    public int TraceRecordsInMemory { get; init; }
}
