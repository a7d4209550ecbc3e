using Harness.Sim.Faults;
using Harness.Tests.Systematic.Coyote;
using Harness.Tests.Systematic.Host;
using Harness.Tests.Systematic.Specifications;
using Harness.Transport.Host;
using Harness.Transport.Target;
using Harness.Transport.Verbs;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Harness.Tests.Systematic.Target;

/// <summary>
/// The target scenarios Coyote explores, one schedule per call; also <c>coyote test</c> entry points (known defects
/// from HARNESS_DEFECT). Oracles: the transport's always-on checks on every thread, each poll group's invariants after
/// each of its rounds, the leak check of every destroyed qpair, <see cref="DisconnectsFinish"/> (every target
/// disconnect ends in the qpair's destruction), <see cref="CommandsComplete"/> on the host, deadlock detection, and at
/// the end every buffer and data WR back in its pool.
/// </summary>
public static class TargetScenarios
{
    /// <summary>Simulator seeds a schedule picks from (Coyote's choice).</summary>
    public const int FabricSeeds = 4;

    /// <summary>Longest the scenario waits (in scheduling points of its own) before each action.</summary>
    public const int TriggerDelayMax = 40;

    /// <summary>
    /// (d) The poll groups' pollers (completions, pending work, drain) racing the acceptor's CM handling: two qpairs
    /// run I/O while two more connect (CONNECT_REQUEST, accept), then the host disconnects all four (Coyote picks
    /// when), so DISCONNECTED and TIMEWAIT_EXIT reach the acceptor while the poll groups still reap those qpairs'
    /// completions and flushes; each qpair must be drained and destroyed exactly once.
    /// </summary>
    [Test]
    public static Task PollersRacingCmDisconnects() => PollersRacingCmDisconnects(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="PollersRacingCmDisconnects()"/>
    public static async Task PollersRacingCmDisconnects(KnownDefects defects)
    {
        using var bed = NewBed(Options(defects), FaultPlan.None);
        var first = ScheduleSteps.Suppressed(() => bed.Connect(2));
        var late = ScheduleSteps.Suppressed(() => bed.Groups.Select(g => bed.Controller.CreateIoQpair(g, HostRaceBed.IoQueueSize)).ToArray());
        var qpairs = first.Concat(late).ToArray();
        bed.StartIo(qpairs, budget: 6);
        var race = bed.Race(() => qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid) && bed.Loads.All(l => l.Finished) &&
            bed.Target.Qpairs.Where(q => q.Qid != 0).All(q => q.Destroyed));
        foreach (var qpair in qpairs)
        {
            await ScheduleSteps.Delay(TriggerDelayMax);
            bed.Request(qpair.Disconnect); // a late qpair may still be connecting (its disconnect races CONNECT_REQUEST and accept), or not have begun (it never does)
        }

        await race;
        Finish(bed);
    }

    /// <summary>
    /// (e) A qpair's error drain racing new receives and buffer releases: 32 KiB writes only (eight 4 KiB RDMA READs each: a
    /// list of 8 keyed descriptors, as SPDK HEAD reads a single keyed SGL with one WR; split when the send queue is short) from two qpairs per poll group share a small buffer pool; one RDMA READ of
    /// the first I/O qpair the target accepted completes RETRY_EXC_ERR (Coyote picks which READ), so that qpair drains its pending queues while
    /// capsules keep arriving and the other poll group takes and returns buffers.
    /// </summary>
    [Test]
    public static Task ErrorDrainRacingReceives() => ErrorDrainRacingReceives(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="ErrorDrainRacingReceives()"/>
    public static async Task ErrorDrainRacingReceives(KnownDefects defects)
    {
        var nthRead = 2 + Generator.Create().NextInteger(ErrorDrainReadsMax - 1); // READ 1 is the Fabrics Connect data
        var faults = FaultPlan.Of(new WcErrorFault(new QpSelector("target", FirstIoQpOrdinal), WrKind.RdmaRead, nthRead, WcStatus.RetryExcErr));
        var options = Options(defects) with { NumSharedBuffers = 16, IoUnitSize = 4096, MaxIoSize = 32_768, DataWrPoolSize = 64 };
        using var bed = NewBed(options, faults);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(2, ErrorDrainQueueSize));
        bed.StartIo(qpairs, budget: ErrorDrainWritesPerQpair, blocks: 8, writesOnly: true, iovecs: 8);
        var race = bed.Race(() => qpairs.Any(q => q.State == NvmeRdmaQpairState.Exited) && bed.Loads.All(l => l.Finished));
        await race;
        Finish(bed);
    }

    /// <summary>
    /// The RDMA READ of an I/O qpair's Fabrics Connect data completes RETRY_EXC_ERR on the target: the target drains and
    /// destroys the qpair and disconnects, while the host waits for the Connect's response in FABRIC_CONNECT_POLL. The
    /// host must consume the DISCONNECTED parked for it and fail the qpair then, not wait for the command's timeout (a
    /// host bug this exploration found: only RUNNING qpairs consumed unsolicited events).
    /// </summary>
    [Test]
    public static Task ConnectDataReadFailure() => ConnectDataReadFailure(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="ConnectDataReadFailure()"/>
    public static async Task ConnectDataReadFailure(KnownDefects defects)
    {
        var faults = FaultPlan.Of(new WcErrorFault(new QpSelector("target", FirstIoQpOrdinal), WrKind.RdmaRead, 1, WcStatus.RetryExcErr));
        using var bed = NewBed(Options(defects), faults);
        var qpairs = ScheduleSteps.Suppressed(() =>
        {
            bed.Controller.Start();
            bed.RunInline(() => bed.Controller.State == ControllerState.Ready, "controller ready");
            return bed.Groups.Select(g => bed.Controller.CreateIoQpair(g, HostRaceBed.IoQueueSize)).ToArray();
        });

        // Whichever qpair the target accepts first is its QP 1 and loses its Connect data; the other must run.
        await bed.Race(() => qpairs.Count(q => q.State == NvmeRdmaQpairState.Exited) == 1 && qpairs.Count(q => q.State == NvmeRdmaQpairState.Running) == 1);
        var failed = qpairs.Single(q => q.State == NvmeRdmaQpairState.Exited);
        Specification.Assert(failed.FailureReason == QpairFailureReason.Remote, "{0} failed with {1}, not REMOTE (the target's DISCONNECTED)", failed, failed.FailureReason);
        Finish(bed);
    }

    /// <summary>
    /// (f) A disconnect the target asks for itself racing the host's, on an idle qpair with a shared receive queue on
    /// Soft-RoCE (no LAST_WQE_REACHED to wait for: a disconnected idle qpair is destroyed at once). The host disconnects
    /// both I/O qpairs (Coyote picks when): the acceptor's DISCONNECTED asks for a disconnect by message; then the
    /// scenario's thread asks the target to disconnect the first I/O qpair too, if that has not started (as the
    /// keep-alive timer does: another message to its group thread).
    /// Goal (docs/findings/013): nothing touches a qpair once it is freed, neither the acceptor after its ack (the
    /// destroying thread's rdma_destroy_id returns at that ack) nor a queued disconnect message; each qpair is destroyed
    /// exactly once.
    /// </summary>
    [Test]
    public static Task DisconnectRacingFini() => DisconnectRacingFini(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="DisconnectRacingFini()"/>
    public static async Task DisconnectRacingFini(KnownDefects defects)
    {
        var options = Options(defects) with { UseSrq = true, MaxSrqDepth = 64 };
        using var bed = NewBed(options, FaultPlan.None, Harness.Sim.Nic.SimProvider.Rxe);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(2));
        var targetQpair = bed.Target.Qpairs.First(q => q.Qid != 0);
        var race = bed.Race(() => qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid) &&
            bed.Target.Qpairs.Where(q => q.Qid != 0).All(q => q.Destroyed));
        foreach (var qpair in qpairs)
        {
            await ScheduleSteps.Delay(TriggerDelayMax);
            bed.Request(qpair.Disconnect);
        }

        // No scheduling point between the test and the call's own lifetime check: a qpair whose disconnect has not
        // started on its thread is not freed, so this never asks about a freed qpair itself.
        await ScheduleSteps.Delay(TriggerDelayMax);
        bed.Request(() =>
        {
            if (!targetQpair.DisconnectStarted)
            {
                targetQpair.Disconnect();
            }
        });
        await race;
        Finish(bed);
    }

    /// <summary>
    /// The hand-off of a new qpair to its poll group (HEAD's conn_sched and <c>_nvmf_poll_group_add</c> message,
    /// nvmf.c:1421) racing the end of the connection. Two I/O qpairs connect during the race; the acceptor creates each
    /// target qpair at CONNECT_REQUEST and sends it to a group thread, which creates the QP and accepts. Coyote picks, per
    /// qpair, whether the target disconnects it itself the moment it exists (its hand-off message most likely still
    /// queued: the disconnect message must run behind it) and then the host disconnects, or only the host does (before,
    /// during or after its connect); or, instead of both, the host deletes its controller (every connect in flight
    /// abandoned). Goal: a hand-off never runs on a qpair already closed or destroyed, nothing touches a freed qpair,
    /// every target qpair is destroyed once, the group counts return to zero, and the host's qpairs all end.
    /// </summary>
    [Test]
    public static Task HandOffRacingDisconnects() => HandOffRacingDisconnects(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="HandOffRacingDisconnects()"/>
    public static async Task HandOffRacingDisconnects(KnownDefects defects)
    {
        using var bed = NewBed(Options(defects), FaultPlan.None);
        var qpairs = ScheduleSteps.Suppressed(() =>
        {
            bed.Controller.Start();
            bed.RunInline(() => bed.Controller.State == ControllerState.Ready, "controller ready");
            return bed.Groups.Select(g => bed.Controller.CreateIoQpair(g, HostRaceBed.IoQueueSize)).ToArray();
        });
        var choice = Generator.Create();
        var deleteController = choice.NextInteger(3) == 0;
        var race = bed.Race(() => (bed.Controller.State == ControllerState.Deleted || qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid)) &&
            bed.Target.Qpairs.Where(q => q.Qid != 0).All(q => q.Destroyed));
        if (deleteController)
        {
            await ScheduleSteps.Delay(HandOffDelayMax);
            bed.Request(bed.Controller.Delete);
        }
        else
        {
            foreach (var qpair in qpairs)
            {
                if (choice.NextBoolean())
                {
                    await DisconnectOnTargetWhenCreated(bed, qpair.Qid);
                }

                await ScheduleSteps.Delay(HandOffDelayMax);
                bed.Request(qpair.Disconnect);
            }
        }

        await race;
        foreach (var group in bed.Target.PollGroups)
        {
            Specification.Assert(group.IoQpairCount == 0, "{0}: {1} I/O qpair(s) still counted after every I/O qpair was destroyed", group.Name, group.IoQpairCount);
        }

        Finish(bed);
    }

    /// <summary>
    /// (c) A LAST_WQE_REACHED message racing the qpair's destruction. Shared receive queue on mlx5 (which raises
    /// LAST_WQE_REACHED when an SRQ-attached QP enters ERR): two I/O qpairs run I/O and the host disconnects both, so the
    /// acceptor sends each qpair's LAST_WQE_REACHED to its group thread by message (rdma.c:3572); at a moment Coyote picks,
    /// the target's device is removed (DEVICE_FATAL and DEVICE_REMOVAL, in the order Coyote picks), and a removed device's
    /// poller destroys its qpairs at once, whether or not their LAST_WQE_REACHED message has run. Goal: the destroy clears
    /// the message's context (HEAD's nvmf_rdma_qpair_clean_ibv_events, rdma.c:859), so a message still queued touches no
    /// freed qpair; every qpair is destroyed once and every buffer comes back.
    /// </summary>
    [Test]
    public static Task LastWqeRacingDeviceRemoval() => LastWqeRacingDeviceRemoval(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="LastWqeRacingDeviceRemoval()"/>
    public static Task LastWqeRacingDeviceRemoval(KnownDefects defects) => LastWqeRacingDeviceRemoval(defects, destroying: null);

    /// <summary>
    /// The scenario with a test's hook run as each target qpair is destroyed, on the destroying thread, before the
    /// destroy clears the LAST_WQE_REACHED context (the proof of power mutates the destroy there).
    /// </summary>
    public static async Task LastWqeRacingDeviceRemoval(KnownDefects defects, Action<RdmaQpair>? destroying)
    {
        var options = Options(defects) with { UseSrq = true, MaxSrqDepth = 64 };
        using var bed = NewBed(options, FaultPlan.None, destroying: destroying);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(2));
        bed.StartIo(qpairs, budget: 4);
        var order = Generator.Create().NextBoolean() ? DeviceRemovalOrder.FatalFirst : DeviceRemovalOrder.RemovalFirst;
        var race = bed.Race(() => qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid) && bed.Loads.All(l => l.Finished) &&
            bed.Target.Qpairs.Where(q => q.Qid != 0).All(q => q.Destroyed));
        foreach (var qpair in qpairs)
        {
            await ScheduleSteps.Delay(TriggerDelayMax);
            bed.Request(qpair.Disconnect);
        }

        await ScheduleSteps.Delay(TriggerDelayMax);
        bed.Request(() => bed.Fabric.Inject(new DeviceRemovalFault("target", 0, order)));
        await race;
        Finish(bed);
    }

    /// <summary>
    /// The target ends a controller while its I/O runs on other threads: at a moment Coyote picks, the target disconnects
    /// every qpair of the controller itself, as its keep-alive expiry does (ctrlr.c:nvmf_ctrlr_keep_alive_poll:155 →
    /// spdk_for_each_channel → _nvmf_ctrlr_disconnect_qpairs_on_pg with the admin qpair: a message to each qpair's group
    /// thread), while two I/O qpairs run I/O on the other poll group. The admin qpair's disconnect frees the held AERs;
    /// each I/O qpair's disconnect message races that thread's completions and new capsules; the controller is destructed
    /// with the last qpair's fini (HEAD keeps it while an I/O qpair lives, so an admin-only disconnect would leave them).
    /// Goal: every qpair is disconnected and destroyed exactly once, nothing touches a freed qpair, every host command
    /// completes exactly once.
    /// </summary>
    [Test]
    public static Task AdminDisconnectRacingIo() => AdminDisconnectRacingIo(KnownDefectNames.FromEnvironment());

    /// <inheritdoc cref="AdminDisconnectRacingIo()"/>
    public static async Task AdminDisconnectRacingIo(KnownDefects defects)
    {
        using var bed = NewBed(Options(defects), FaultPlan.None);
        var qpairs = ScheduleSteps.Suppressed(() => bed.Connect(2));
        var admin = bed.Target.Qpairs.Single(q => q.Qid == 0);
        var ios = bed.Target.Qpairs.Where(q => q.Qid != 0).ToList();
        bed.StartIo(qpairs, budget: 6);
        var race = bed.Race(() => bed.Target.Qpairs.All(q => q.Destroyed) && bed.Loads.All(l => l.Outstanding == 0) &&
            qpairs.All(q => q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid));
        await ScheduleSteps.Delay(TriggerDelayMax);
        bed.Request(() =>
        {
            admin.Disconnect(); // not started yet: nothing else disconnects it before this
            ios.ForEach(io => io.Disconnect());
        });
        await race;
        Finish(bed);
    }

    /// <summary>
    /// Waits (yielding) until the target has a qpair for host qpair <paramref name="qid"/>, then asks it to disconnect,
    /// as the target's own timers do (a message to its group thread). Gives up after <see cref="HandOffWaitMax"/> yields.
    /// </summary>
    private static async Task DisconnectOnTargetWhenCreated(TargetRaceBed bed, ushort qid)
    {
        for (var i = 0; i < HandOffWaitMax; i++)
        {
            // No scheduling point between the look and the call: a qpair not yet destroyed is not freed under it.
            var qpair = bed.Target.Qpairs.FirstOrDefault(q => q.Qid == qid && !q.Destroyed && !q.DisconnectStarted);
            if (qpair != null)
            {
                bed.Request(qpair.Disconnect);
                return;
            }

            await Task.Yield();
        }
    }

    /// <summary>Longest wait before the hand-off scenario's host acts.</summary>
    private const int HandOffDelayMax = 16;

    /// <summary>Yields the hand-off scenario waits for the target to create a qpair before it gives up on disconnecting it there.</summary>
    private const int HandOffWaitMax = 400;

    /// <summary>Host queue size of the error-drain scenario: 4 entries, a send queue of 8 (one write's READs).</summary>
    private const int ErrorDrainQueueSize = 4;

    /// <summary>Writes per qpair in the error-drain scenario.</summary>
    private const int ErrorDrainWritesPerQpair = 3;

    /// <summary>READs of the faulted qpair: the Connect data, then eight per write.</summary>
    private const int ErrorDrainReadsMax = 1 + (8 * ErrorDrainWritesPerQpair);

    /// <summary>The target's QP ordinal of the host's first I/O qpair (ordinal 0 is the admin qpair's).</summary>
    private const int FirstIoQpOrdinal = 1;

    private static TargetOptions Options(KnownDefects defects) =>
        new() { MaxQueueDepth = 32, NumSharedBuffers = 256, ExecutionLatencyNs = 0, Defects = defects };

    private static TargetRaceBed NewBed(TargetOptions options, FaultPlan faults, Harness.Sim.Nic.SimProvider provider = Harness.Sim.Nic.SimProvider.Mlx5,
        Action<RdmaQpair>? destroying = null)
    {
        Specification.RegisterMonitor<DisconnectsFinish>();
        Specification.RegisterMonitor<CommandsComplete>();
        var seed = ScheduleSteps.FabricSeed(FabricSeeds);
        var bed = new TargetRaceBed(seed, options, faults, provider: provider, destroying: destroying);
        LastSchedule.Register(bed.Describe);
        return bed;
    }

    /// <summary>After the race: the host deletes its controller, the target must destroy everything and get every buffer and WR back.</summary>
    private static void Finish(TargetRaceBed bed)
    {
        ScheduleSteps.Suppressed(bed.DeleteInline);
        var buffers = bed.Target.Buffers!;
        Specification.Assert(buffers.Available == buffers.Count, "target buffers: {0} of {1} back in the pool", buffers.Available, buffers.Count);
        Specification.Assert(bed.Target.DataWrs.Available == bed.Target.Options.DataWrPoolSize, "target data WRs: {0} of {1} back in the pool",
            bed.Target.DataWrs.Available, bed.Target.Options.DataWrPoolSize);
    }
}
