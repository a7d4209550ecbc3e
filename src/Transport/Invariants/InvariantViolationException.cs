using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Harness.Transport.Invariants;

/// <summary>
/// An invariant of DESIGN.md was broken. Thrown by the always-on checks in the transport at the first moment the
/// inconsistency exists, so the message describes the broken state before anything else goes wrong.
/// </summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException(string invariant, string message)
        : base($"invariant '{invariant}' violated: {message}")
    {
        Invariant = invariant;
        Detail = message;
    }

    /// <summary>Short name of the invariant (e.g. <c>request-in-one-queue</c>).</summary>
    public string Invariant { get; }

    /// <summary>What exactly is inconsistent, naming the objects.</summary>
    public string Detail { get; }
}

/// <summary>Names of the invariants (the oracle of DESIGN.md).</summary>
public static class InvariantNames
{
    public const string RequestInOneQueue = "request-in-one-queue";
    public const string QueueStateConsistent = "queue-state-consistent";
    public const string DepthCounters = "depth-counters";
    public const string NoLeakOnDestroy = "no-leak-on-destroy";
    public const string CompletesOnce = "command-completes-once";
    public const string DataIntegrity = "data-integrity";
    public const string QueueIntegrity = "queue-integrity";
    public const string StateTransition = "state-transition";

    /// <summary>
    /// Nothing acts on an object after it is freed: in SPDK a completion whose wr_id points into a destroyed qpair's
    /// resources, or an event for a freed qpair, is a use after free even where the C# port survives it.
    /// </summary>
    public const string ObjectLifetime = "object-lifetime";

    /// <summary>
    /// Every receive buffer of a pool (a qpair's own, or a poller's shared receive queue) is in exactly one place:
    /// posted to the NIC (or batched to be), waiting with its capsule on the incoming queue, held by a request, or
    /// waiting to be re-posted after a failed post. One that is nowhere is lost for good (an SRQ shrinks with each).
    /// </summary>
    public const string ReceiveConservation = "receive-conservation";

    /// <summary>
    /// Every iobuf data buffer of each pool (small, large) is in exactly one place: free in its pool, held by a request
    /// (one of its iovs), or in flight to a waiter inside a put. Never put twice, never put into a pool it is not from.
    /// </summary>
    public const string BufferConservation = "buffer-conservation";

    /// <summary>
    /// A qpair being closed ends within a bounded number of polls once nothing of it is left to wait for (every WR's
    /// completion polled, every event about it acked, nothing executing): not later, by a timeout, or never.
    /// </summary>
    public const string BoundedLiveness = "bounded-liveness";

    /// <summary>
    /// A capsule is only read within the receive buffer it arrived in, and a request only writes within its fixed-size
    /// arrays: where SPDK would read or write outside them (undefined behaviour in C) the port reports it here first.
    /// </summary>
    public const string BufferBounds = "buffer-bounds";

    /// <summary>
    /// A command, its in-capsule data and its descriptor list come from the bytes its capsule carried (the receive's
    /// <c>byte_len</c>), never from what an earlier capsule left in the receive buffer.
    /// </summary>
    public const string CapsuleBytesReceived = "capsule-bytes-received";

    /// <summary>
    /// Work a poller finds was announced: a sleeping simulated thread is woken by what can give it work (a completion
    /// on a CQ it polls, a CM or async event, a message, <c>Notify</c>, its pollers' next deadline), so a poll woken
    /// only by the simulator's safety net finds nothing. One that finds work is a wait nobody announced: the run would
    /// see the work later than SPDK's spinning thread does.
    /// </summary>
    public const string WakeUpAnnounced = "wake-up-announced";
}

/// <summary>
/// Always-on assertions: one condition each, with a message naming the object. They run on every hot path (each post,
/// completion and request step, and the oracle's walks), so the check inlines to one branch and the throw lives apart.
/// </summary>
public static class Check
{
    /// <summary>Throws an <see cref="InvariantViolationException"/> when <paramref name="condition"/> is false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void That(bool condition, string invariant, string message)
    {
        if (!condition)
        {
            Fail(invariant, message);
        }
    }

    /// <summary>As <see cref="That(bool, string, string)"/> with a lazily built message (no formatting when it holds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void That<TState>(bool condition, string invariant, TState state, Func<TState, string> message)
    {
        if (!condition)
        {
            Fail(invariant, state, message);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(string invariant, string message) => throw new InvariantViolationException(invariant, message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail<TState>(string invariant, TState state, Func<TState, string> message) =>
        throw new InvariantViolationException(invariant, message(state));
}
