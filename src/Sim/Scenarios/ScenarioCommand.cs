using System.Text.Json.Serialization;

namespace Harness.Sim.Scenarios;

/// <summary>
/// One step of an explicit command list, executed in order (docs/scenarios.md "commands"). I/O steps submit on a host
/// I/O qpair (1-based); <c>wait</c> lets virtual time pass; fault steps fire the named fault of the simulator's
/// vocabulary at that point of the sequence; host steps reset or delete the controller or reconnect a failed qpair.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(WriteCommand), "write")]
[JsonDerivedType(typeof(ReadCommand), "read")]
[JsonDerivedType(typeof(WaitCommand), "wait")]
[JsonDerivedType(typeof(SettleCommand), "settle")]
[JsonDerivedType(typeof(ForceQpErrorCommand), "force-qp-error")]
[JsonDerivedType(typeof(DisconnectCommand), "disconnect")]
[JsonDerivedType(typeof(AsyncEventCommand), "async-event")]
[JsonDerivedType(typeof(DeviceRemovalCommand), "device-removal")]
[JsonDerivedType(typeof(AddrChangeCommand), "addr-change")]
[JsonDerivedType(typeof(PortFlapCommand), "port-flap")]
[JsonDerivedType(typeof(ResetCommand), "reset")]
[JsonDerivedType(typeof(ReconnectCommand), "reconnect")]
[JsonDerivedType(typeof(DeleteControllerCommand), "delete-controller")]
[JsonDerivedType(typeof(SglWriteCommand), "sgl-write")]
[JsonDerivedType(typeof(SglReadCommand), "sgl-read")]
[JsonDerivedType(typeof(CompareAndWriteCommand), "compare-and-write")]
public abstract record ScenarioCommand;

/// <summary>
/// An NVM Write of <paramref name="Blocks"/> 4 KiB blocks at <paramref name="Lba"/> on I/O qpair <paramref name="Qpair"/>;
/// with <see cref="Iovecs"/> above 1 its payload is that many iovecs, sent as a descriptor list as SPDK's host does.
/// </summary>
public sealed record WriteCommand(int Qpair, long Lba, int Blocks) : ScenarioCommand
{
    /// <summary>Iovecs of the payload (null or 1: one keyed descriptor in the command).</summary>
    public int? Iovecs { get; init; }
}

/// <summary>An NVM Read (its data is checked against what was written); <see cref="Iovecs"/> as a write's.</summary>
public sealed record ReadCommand(int Qpair, long Lba, int Blocks) : ScenarioCommand
{
    /// <summary>Iovecs of the payload (null or 1: one keyed descriptor in the command).</summary>
    public int? Iovecs { get; init; }
}

/// <summary>Lets <paramref name="Ns"/> of virtual time pass.</summary>
public sealed record WaitCommand(long Ns) : ScenarioCommand;

/// <summary>Runs until every submitted command has completed (bounded).</summary>
public sealed record SettleCommand : ScenarioCommand;

/// <summary>The selected QPs go to ERR now (a flush storm).</summary>
public sealed record ForceQpErrorCommand(string Qp) : ScenarioCommand;

/// <summary>The CM id owning each selected QP calls rdma_disconnect now.</summary>
public sealed record DisconnectCommand(string Qp) : ScenarioCommand;

/// <summary>An async event (<c>IBV_EVENT_*</c>) hits the selected QPs now.</summary>
public sealed record AsyncEventCommand(string Qp, string Event) : ScenarioCommand;

/// <summary>The host's device is removed now.</summary>
public sealed record DeviceRemovalCommand(string Host) : ScenarioCommand;

/// <summary>The host's address changes now.</summary>
public sealed record AddrChangeCommand(string Host) : ScenarioCommand;

/// <summary>The host's port goes down now for <paramref name="DownNs"/>.</summary>
public sealed record PortFlapCommand(string Host, long DownNs) : ScenarioCommand;

/// <summary>The host resets the controller (every qpair disconnects and reconnects).</summary>
public sealed record ResetCommand : ScenarioCommand;

/// <summary>The host reconnects I/O qpair <paramref name="Qpair"/> (1-based) after it failed.</summary>
public sealed record ReconnectCommand(int Qpair) : ScenarioCommand;

/// <summary>
/// The host deletes the controller now (bdev_nvme's path delete: every qpair disconnects, lingers until quiet and is
/// destroyed) and the run waits until the deletion finished; a deletion that never finishes is the field's
/// "NVMe path … still exists after delete".
/// </summary>
public sealed record DeleteControllerCommand : ScenarioCommand;

/// <summary>
/// An NVM Write or Read whose SGL the scenario spells out (docs/findings/006..009): <paramref name="Sgl"/>
/// <c>descriptor-list</c> (a Last Segment / Offset list of <paramref name="Descriptors"/> keyed descriptors at byte
/// <paramref name="Offset"/> of the in-capsule data, splitting the payload evenly; 0 descriptors is a segment of 8
/// bytes) or <c>in-capsule</c> (the payload as in-capsule data at <paramref name="Offset"/>). The capsule carries
/// <paramref name="SentBytes"/> bytes after the command (null: all the SGL names). The host sends it as it is.
/// </summary>
public abstract record SglIoCommand(int Qpair, long Lba, int Blocks, string Sgl, int Descriptors, long Offset, int? SentBytes) : ScenarioCommand;

/// <summary>An NVM Write with the SGL the scenario spells out (<see cref="SglIoCommand"/>).</summary>
public sealed record SglWriteCommand(int Qpair, long Lba, int Blocks, string Sgl, int Descriptors = 0, long Offset = 0, int? SentBytes = null)
    : SglIoCommand(Qpair, Lba, Blocks, Sgl, Descriptors, Offset, SentBytes);

/// <summary>An NVM Read with the SGL the scenario spells out (<see cref="SglIoCommand"/>); its data is checked.</summary>
public sealed record SglReadCommand(int Qpair, long Lba, int Blocks, string Sgl, int Descriptors = 0, long Offset = 0, int? SentBytes = null)
    : SglIoCommand(Qpair, Lba, Blocks, Sgl, Descriptors, Offset, SentBytes);

/// <summary>
/// A fused Compare (FIRST) and Write (SECOND) of <paramref name="Blocks"/> blocks at <paramref name="Lba"/> on I/O qpair
/// <paramref name="Qpair"/>, submitted back to back as SPDK's host does: the Write lands only if the blocks hold the
/// Compare's data. <see cref="Match"/> false compares with data the blocks cannot hold. <see cref="Part"/> <c>first</c>
/// or <c>second</c> sends one half alone (a host whose other half was refused or delayed); <see cref="FirstSgl"/>
/// <c>too-long</c> gives the FIRST a keyed SGL longer than the target's max I/O size (it fails at NEW).
/// </summary>
public sealed record CompareAndWriteCommand(int Qpair, long Lba, int Blocks) : ScenarioCommand
{
    /// <summary>Whether the Compare's data is what the blocks hold (null: true).</summary>
    public bool? Match { get; init; }

    /// <summary><c>pair</c> (null), <c>first</c> or <c>second</c>: the halves sent.</summary>
    public string? Part { get; init; }

    /// <summary>null (the host builds it) or <c>too-long</c>.</summary>
    public string? FirstSgl { get; init; }
}
