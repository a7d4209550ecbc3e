using Harness.Sim.Core;
using Harness.Transport.Invariants;

namespace Harness.Sim.Contract;

/// <summary>
/// The verbs and librdmacm contract the simulator enforces on its consumer. What would be undefined behaviour or a
/// certain hang with rdma-core (a call on a freed object, a double destroy, destroying a QP whose async events are not
/// acked, acking twice, posting past the QP's caps) is a named violation that stops the run, never a silent errno the
/// C code would not have got.
/// </summary>
public static class VerbsContract
{
    /// <summary>The invariant every rule here is reported under.</summary>
    public const string Invariant = "verbs-contract";

    /// <summary>A call on an object after it was destroyed or deregistered (use after free in C).</summary>
    public const string UseAfterDestroy = "use-after-destroy";

    /// <summary>Destroy, dereg or ack called a second time on the same object (double free in C).</summary>
    public const string DestroyedTwice = "destroyed-twice";

    /// <summary>ibv_destroy_qp/srq/cq waits until every async event got for the object is acked: a certain hang.</summary>
    public const string UnackedEventsOnDestroy = "destroy-with-unacked-events";

    /// <summary>An async or CM event acked that was not got, or acked twice.</summary>
    public const string AckedTwice = "event-acked-twice";

    /// <summary>A post past the caps the consumer asked for at creation (max_send_wr/max_recv_wr/max_sge).</summary>
    public const string PostBeyondCaps = "post-beyond-caps";

    /// <summary>A CQ got more completions than its entries: the consumer sized it below what its QPs and SRQs can have outstanding.</summary>
    public const string CqOverrun = "cq-overrun";

    /// <summary>Every rule, for documentation and coverage.</summary>
    public static readonly IReadOnlyList<string> Rules = [UseAfterDestroy, DestroyedTwice, UnackedEventsOnDestroy, AckedTwice, PostBeyondCaps, CqOverrun];

    /// <summary>
    /// Stops the run when <paramref name="condition"/> is false, naming the rule, the object and the call. Pass a constant
    /// <paramref name="call"/>: an interpolated one would be formatted on every call; use <see cref="Violated"/> for those.
    /// </summary>
    public static void That(bool condition, SimWorld world, string rule, object subject, string call)
    {
        if (!condition)
        {
            Violated(world, rule, subject, call);
        }
    }

    /// <summary>Stops the run: the consumer broke <paramref name="rule"/>.</summary>
    public static void Violated(SimWorld world, string rule, object subject, string call) =>
        throw new InvariantViolationException(Invariant, $"{rule}: {call} on {subject} (at {world.NowNs} ns)");
}
