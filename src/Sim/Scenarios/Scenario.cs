using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harness.Sim.Scenarios;

/// <summary>
/// A replayable run (docs/scenarios.md, schema docs/scenario.schema.json): topology, a workload (<see cref="Random"/>,
/// the parameters of <c>harness run</c>, or an explicit <see cref="Commands"/> list), scripted <see cref="Faults"/>, an
/// optional <see cref="Swarm"/> profile, defect switches, the seed and the expected outcome. Plain data: what a file
/// says, nothing more; optional fields are null when the file leaves them out, so a file round-trips unchanged.
/// </summary>
public sealed record Scenario
{
    /// <summary>The only format this version reads and writes. Later versions add optional fields only.</summary>
    public const int CurrentFormat = 1;

    /// <summary>Path or URI of the schema, for editors (ignored).</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Short name printed in results.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>What happens, in the words of a field report.</summary>
    public string? Description { get; init; }

    /// <summary>The simulator's seed (null: 1).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Known-defect names (<c>pending-read-queue-double-insert</c>, …).</summary>
    public IReadOnlyList<string>? Defects { get; init; }

    /// <summary><c>must-pass</c> or <c>must-detect: &lt;invariant&gt;</c> (see <see cref="ScenarioExpectation"/>).</summary>
    public string Expect { get; init; } = ScenarioExpectation.MustPassText;

    public ScenarioTopology? Topology { get; init; }

    /// <summary>The random workload of <c>harness run</c> (exclusive with <see cref="Commands"/>).</summary>
    public RandomWorkload? Random { get; init; }

    /// <summary>An explicit command list, executed in order (exclusive with <see cref="Random"/>).</summary>
    public IReadOnlyList<ScenarioCommand>? Commands { get; init; }

    /// <summary>Scripted faults in the simulator's vocabulary (<see cref="Faults.FaultPlan"/>).</summary>
    public IReadOnlyList<FaultSpec>? Faults { get; init; }

    /// <summary>Probabilistic faults (<see cref="Faults.SwarmProfile"/>).</summary>
    public ScenarioSwarm? Swarm { get; init; }

    /// <summary>Reserved: a target state to start from (a core-dump snapshot); defined by its <c>format</c> member.</summary>
    public JsonElement? InitialState { get; init; }

    /// <summary>The seed the run uses.</summary>
    [JsonIgnore]
    public ulong EffectiveSeed => Seed ?? 1;

    /// <summary>The topology with every default filled in.</summary>
    [JsonIgnore]
    public ScenarioTopology EffectiveTopology => Topology ?? new ScenarioTopology();

    /// <summary>The scenario file (so that a counterexample printed by a property test can be saved and replayed as it is).</summary>
    public override string ToString() => ScenarioFile.ToJson(this);
}

/// <summary>How many qpairs, how deep, and the target's transport options.</summary>
public sealed record ScenarioTopology
{
    public const int QpairsDefault = 1;
    public const int QueueDepthDefault = 16;
    public const int ReadDepthDefault = 16;

    /// <summary>I/O qpairs.</summary>
    public int? Qpairs { get; init; }

    /// <summary>Commands in flight per I/O qpair.</summary>
    public int? QueueDepth { get; init; }

    /// <summary>RDMA READs the target may have outstanding per qpair (its negotiated max_read_depth).</summary>
    public int? ReadDepth { get; init; }

    /// <summary>Target poll groups (command workloads).</summary>
    public int? PollGroups { get; init; }

    /// <summary>Target uses one shared receive queue per poller (random workloads: overrides the fault profile's draw).</summary>
    public bool? Srq { get; init; }

    /// <summary>
    /// <c>mlx5</c> or <c>rxe</c>: the provider the simulated NIC behaves as (null: mlx5, or the fault profile's draw for a
    /// random workload).
    /// </summary>
    public string? Provider { get; init; }

    public ScenarioTargetOptions? Target { get; init; }

    /// <summary>The host's command-timeout handling (command workloads).</summary>
    public ScenarioHostOptions? Host { get; init; }

    [JsonIgnore]
    public int QpairCount => Qpairs ?? QpairsDefault;

    [JsonIgnore]
    public int Depth => QueueDepth ?? QueueDepthDefault;

    [JsonIgnore]
    public int Reads => ReadDepth ?? ReadDepthDefault;
}

/// <summary>The target transport options a scenario may set (SPDK's names; command workloads; a random workload: <c>inCapsuleDataSize</c> only).</summary>
public sealed record ScenarioTargetOptions
{
    public const int IoUnitSizeDefault = 4096;
    public const int MaxSendSgeDefault = 16;
    public const int NumSharedBuffersDefault = 256;
    public const int DataWrPoolSizeDefault = 256;
    public const int InCapsuleDataSizeDefault = 0;
    public const int MaxSrqDepthDefault = 64;

    public int? IoUnitSize { get; init; }

    public int? MaxSendSge { get; init; }

    public int? NumSharedBuffers { get; init; }

    public int? DataWrPoolSize { get; init; }

    public int? InCapsuleDataSize { get; init; }

    /// <summary>Receives per SRQ (<c>max_srq_depth</c>; SPDK's default is 4096, scenarios default to 256).</summary>
    public int? MaxSrqDepth { get; init; }

    /// <summary>How long an accepted qpair may wait for its Fabrics CONNECT, in ms (default 5000: TargetOptions.FabricConnectTimeoutNsMax).</summary>
    public int? FabricConnectTimeoutMs { get; init; }
}

/// <summary>The host's options a scenario may set: what a timed-out I/O command leads to, and when, and the poll groups' SRQ (a random workload too: <c>harness run --timeout-action</c>, <c>--io-timeout-ms</c>, <c>--host-srq-size</c>).</summary>
public sealed record ScenarioHostOptions
{
    /// <summary><c>reset</c> (default: the command's qpair fails and is reconnected) or <c>abort</c> (an Abort names it).</summary>
    public string? TimeoutAction { get; init; }

    /// <summary>I/O command timeout in ms (default 5000).</summary>
    public int? IoTimeoutMs { get; init; }

    /// <summary>SPDK <c>rdma_srq_size</c>: response receives of each host poll group's shared receive queue (default 0: none).</summary>
    public int? RdmaSrqSize { get; init; }
}

/// <summary>The random workload of <c>harness run</c>.</summary>
public sealed record RandomWorkload
{
    public int? Ios { get; init; }

    public int? IoSize { get; init; }

    /// <summary>Fraction of I/Os that are reads.</summary>
    public double? RwMix { get; init; }

    /// <summary><c>--iovecs-max</c>: most iovecs per I/O, several sent as a descriptor list (default: the profile's draw, else 1).</summary>
    public int? IovecsMax { get; init; }

    /// <summary><c>--compare-and-write-fraction</c>: fraction of Writes sent as fused Compare + Write pairs (default: the profile's draw, else 0).</summary>
    public double? CompareAndWriteFraction { get; init; }

    /// <summary>A <c>--faults</c> profile name, applied before the scenario's own faults.</summary>
    public string? FaultProfile { get; init; }
}

/// <summary>The simulator's swarm profile as a scenario states it.</summary>
public sealed record ScenarioSwarm
{
    public double? PacketLossRate { get; init; }

    public double? WcErrorRate { get; init; }

    public double? CmEventDelayRate { get; init; }

    /// <summary>Probability that a post call fails with ENOMEM at a WR of its chain.</summary>
    public double? PostErrorRate { get; init; }

    public long? CmEventDelayNsMax { get; init; }

    /// <summary>Probability that a send WR's start raises an async event (QP_REQ_ERR, QP_ACCESS_ERR, COMM_EST, PATH_MIG, PATH_MIG_ERR) on its QP.</summary>
    public double? AsyncEventRate { get; init; }

    /// <summary>Probability that a send WR's start takes its host's port down for a drawn while.</summary>
    public double? PortFlapRate { get; init; }

    /// <summary>Probability that a send WR's start removes its host's device.</summary>
    public double? DeviceRemovalRate { get; init; }

    /// <summary><c>fatal-first</c> (default) or <c>removal-first</c>: which event a swarm device removal raises first.</summary>
    public string? DeviceRemovalOrder { get; init; }

    /// <summary>Virtual time between a swarm device removal's two events (default 0).</summary>
    public long? DeviceRemovalGapNs { get; init; }

    /// <summary>Probability that a send WR's start changes its host's address.</summary>
    public double? AddrChangeRate { get; init; }

    /// <summary>Probability that an rdma_connect is rejected with IB_CM_REJ_STALE_CONN.</summary>
    public double? StaleConnRate { get; init; }

    /// <summary>Probability that a Read/Write fails in the target's block device (UNRECOVERED READ ERROR / WRITE FAULT / INTERNAL ERROR).</summary>
    public double? ControllerErrorRate { get; init; }

    /// <summary>Probability that a Read/Write completes late in the target's block device (10 µs..5 ms).</summary>
    public double? ControllerDelayRate { get; init; }
    /// <summary>Probability that a verbs/CM call made per connection (rdma_accept, ibv_reg_mr, …) fails.</summary>
    public double? CallErrorRate { get; init; }

    /// <summary><c>IBV_WC_*</c> names a swarm WC error draws from.</summary>
    public IReadOnlyList<string>? WcErrorStatuses { get; init; }
}
