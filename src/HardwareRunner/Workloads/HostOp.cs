namespace Harness.HardwareRunner.Workloads;

/// <summary>One operation slot of a host qpair: what is in flight and which completions it still waits for.</summary>
internal struct HostOp
{
    /// <summary>Bits of <see cref="Pending"/>.</summary>
    public const byte WriteWc = 1;
    public const byte SendWc = 2;
    public const byte Response = 4;
    public const byte ReadWc = 8;

    /// <summary>Completions that come from the send queue (always arrive, even as flushes).</summary>
    public const byte SendQueueWcs = WriteWc | SendWc | ReadWc;

    public HostOpKind Kind;
    public byte Pending;
    public bool Failed;
    public int Block;
    public uint Seq;
    public ulong Seed;
}
