namespace Harness.Transport.Target.Snapshot;

/// <summary>An STAILQ as walked from its head: the elements reached, whether the walk ended at NULL, and <c>stqh_last</c>'s element.</summary>
public sealed record QueueSnapshot
{
    public required IReadOnlyList<string> Elements { get; init; }

    /// <summary>False when the walk stopped at a cycle, at the bound, or at memory missing from the core.</summary>
    public required bool Complete { get; init; }

    /// <summary>The element <c>stqh_last</c> points into (null: the queue claims to be empty).</summary>
    public string? Last { get; init; }
}
