namespace Harness.Sim.Faults;

/// <summary>The verbs post call a <see cref="PostErrorFault"/> selects: one per work queue a consumer posts to.</summary>
public enum PostQueue
{
    /// <summary><c>ibv_post_send</c> on a QP's send queue.</summary>
    Send = 0,

    /// <summary><c>ibv_post_recv</c> on a QP's own receive queue.</summary>
    Recv,

    /// <summary><c>ibv_post_srq_recv</c> on a shared receive queue.</summary>
    Srq,
}
