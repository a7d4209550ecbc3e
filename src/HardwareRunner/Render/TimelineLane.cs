namespace Harness.HardwareRunner.Render;

/// <summary>What a timeline lane shows.</summary>
public enum LaneKind
{
    /// <summary>One simulated SPDK thread (reactor): what its pollers posted, logged and called.</summary>
    Thread,

    /// <summary>A node's RDMA CM event channel(s): connection events, faults without a QP.</summary>
    CmChannel,

    /// <summary>One queue pair: its completions, state changes, retries and faults.</summary>
    Qp,
}

/// <summary>One horizontal lane of the timeline.</summary>
/// <param name="Index">Position from the top.</param>
/// <param name="Node">The simulated host (e.g. <c>host</c>, <c>target</c>).</param>
/// <param name="Kind">What it shows.</param>
/// <param name="Name">Thread name, or the QP number in hex.</param>
public sealed record TimelineLane(int Index, string Node, LaneKind Kind, string Name)
{
    /// <summary>The connected QP (<c>target/0x101</c>) of a QP lane, when the trace's RTR record named it.</summary>
    public string? Peer { get; set; }

    /// <summary>The label drawn left of the lane.</summary>
    public string Label => Kind switch
    {
        LaneKind.Thread => $"{Node} thread {Name}",
        LaneKind.CmChannel => $"{Node} CM events",
        _ => Peer == null ? $"{Node} QP {Name}" : $"{Node} QP {Name} ↔ {Peer}",
    };
}
