using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_recv</c>: a posted receive for one command capsule (64-byte SQE + in-capsule data).
/// Received capsules wait on the resources' incoming queue until a free request takes them.
/// </summary>
public sealed class RdmaRecv
{
    internal RdmaRecv(RdmaResources resources, int index)
    {
        Resources = resources;
        Index = index;
        WrId = RdmaWrId.Encode(RdmaWrType.Recv, resources.Id, index);
    }

    public RdmaResources Resources { get; }

    public int Index { get; }

    public ulong WrId { get; }

    /// <summary>The receive WR: SGE 0 the capsule, SGE 1 the in-capsule data buffer.</summary>
    public RecvWorkRequest Wr;

    /// <summary>The qpair it arrived on (fixed without SRQ; set per completion with SRQ).</summary>
    public RdmaQpair? Qpair { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>True while posted to the QP/SRQ (the NIC owns it).</summary>
    public bool Posted { get; internal set { field = value; Resources.Touch(); } }

    /// <summary>Bytes received (from the completion).</summary>
    public uint ByteLen { get; internal set; }

    internal RdmaRecv? Next { get; set { field = value; Resources.Touch(); } }

    internal StailqId Owner { get; set { field = value; Resources.Touch(); } }

    /// <inheritdoc/>
    public override string ToString() => $"recv #{Index} of {Resources}";
}

/// <summary>The receive's <c>link</c> (incoming queue).</summary>
public readonly struct RecvLink : IStailqLink<RdmaRecv>
{
    public static RdmaRecv? GetNext(RdmaRecv element) => element.Next;

    public static void SetNext(RdmaRecv element, RdmaRecv? next) => element.Next = next;

    public static StailqId GetOwner(RdmaRecv element) => element.Owner;

    public static void SetOwner(RdmaRecv element, StailqId owner) => element.Owner = owner;
}
