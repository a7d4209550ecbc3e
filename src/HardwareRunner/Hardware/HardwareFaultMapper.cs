using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Sim.Faults;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// Maps a fault setup (the simulator's vocabulary: a <see cref="FaultPlan"/> plus the profile's controller actions) to
/// what the hardware runner does to real RDMA objects (docs/hardware.md, "Which faults map"):
/// <list type="bullet">
/// <item><see cref="ForceQpErrorFault"/> → <c>ibv_modify_qp(ERR)</c> of the selected live QP(s) on that side;</item>
/// <item><see cref="DisconnectFault"/> → <c>rdma_disconnect</c> of the selected connection(s);</item>
/// <item><see cref="WcErrorFault"/> on a target I/O QP's RDMA READ with REM_ACCESS_ERR → the host deregisters the data MR
/// right after submitting the WRITE that carries that READ;</item>
/// <item>the same with RETRY_EXC_ERR, or a <see cref="PacketDropFault"/> on such a READ that outlasts every retry → the host
/// silences that qpair's QP (RESET) right after that WRITE, with a small retry count (<see cref="SilenceRetryCount"/>) and
/// ACK timeout (<see cref="SilenceAckTimeoutExponent"/>) on the connections, so the target's READ runs out of retries;</item>
/// <item>a controller reset / delete-and-re-attach → the same host action at the same point of the I/O.</item>
/// </list>
/// Everything else is refused with the reason: swarm rates (drawn per packet and WR inside the simulated NIC), CM event
/// drops and delays and slow completion queues (timing is the NIC's and the kernel's), async events, a WC status other
/// than those two (a NIC cannot be told to complete a WR with a chosen status), and the device, address and port faults
/// (they need root and the machine's network; docs/hardware.md gives the commands for an operator).
/// </summary>
public static class HardwareFaultMapper
{
    /// <summary>retry_cnt of every connection of a run that silences a READ's responder: the READ fails after 2 timeouts.</summary>
    public const byte SilenceRetryCount = 1;

    /// <summary>
    /// ACK timeout exponent of such a run: 4.096 µs × 2^10 ≈ 4.2 ms, so the silenced READ fails within about 8 ms, while a
    /// loaded RoCE network's real ACK delays (tens of µs) stay far below it (smaller values make healthy I/O fail too).
    /// </summary>
    public const byte SilenceAckTimeoutExponent = 10;

    /// <summary>More drops than this outlast any retry_cnt (0..7): the WR completes RETRY_EXC_ERR.</summary>
    private const int DropsBeyondAnyRetry = VerbsLimits.RetryCountMax;

    /// <summary>The hardware plan of <paramref name="setup"/>, drawn for a run of <paramref name="ios"/> I/Os on <paramref name="qpairs"/> qpairs at depth <paramref name="queueDepth"/>.</summary>
    public static HardwareFaultPlan Map(FaultSetup setup, int ios, int qpairs, int queueDepth)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var (fromNs, untilNs) = FaultProfileBuilder.IoWindow(ios, qpairs, queueDepth);
        var fraction = Fraction(fromNs, untilNs);
        var actions = new List<HardwareAction>();
        var refused = new List<string>();
        var silences = false;
        if (setup.Plan.Swarm is { } swarm && (swarm.PacketLossRate > 0 || swarm.WcErrorRate > 0 || swarm.CmEventDelayRate > 0 || swarm.PostErrorRate > 0))
        {
            refused.Add($"swarm rates ({swarm.Describe()["faults: ".Length..]}): the simulated NIC draws them per packet, WR, CM event and post call; a real NIC has no such knob");
        }

        foreach (var fault in setup.Plan.Scripted)
        {
            var action = MapOne(fault, fraction, out var reason);
            if (action == null)
            {
                refused.Add($"{fault}: {reason}");
                continue;
            }

            silences |= action.Kind == HardwareActionKind.SilenceUnderRead;
            actions.Add(action);
        }

        foreach (var c in setup.ControllerActions)
        {
            actions.Add(new HardwareAction
            {
                Kind = c.Kind == ControllerActionKind.Reset ? HardwareActionKind.ControllerReset : HardwareActionKind.ControllerDeleteAndReattach,
                Side = HardwareSide.Host,
                AtFraction = fraction(c.AtNs),
                Source = string.Create(CultureInfo.InvariantCulture, $"controller {(c.Kind == ControllerActionKind.Reset ? "reset" : "delete and re-attach")} at {c.AtNs / 1e3:0.#} µs"),
            });
        }

        return new HardwareFaultPlan
        {
            Actions = actions,
            Refused = refused,
            RetryCount = silences ? SilenceRetryCount : null,
            AckTimeoutExponent = silences ? SilenceAckTimeoutExponent : null,
        };
    }

    /// <summary>The refusal message of <c>harness run</c> (exit 2) for a profile's draw.</summary>
    public static string RefusalMessage(string profile, ulong seed, HardwareFaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var lines = string.Join("; ", plan.Refused);
        return string.Create(CultureInfo.InvariantCulture,
            $"--faults {profile} (seed {seed}): {plan.Refused.Count} fault(s) have no hardware counterpart and are not run: {lines}. On --backend ibverbs use --faults nightly (or none, retry-exceeded, flush-storm, rnr), or a seed whose draw has none of these; docs/hardware.md lists what maps");
    }

    /// <summary>The refusal message of <c>harness run</c> (exit 2) for a fault plan file: the seed draws nothing there, the file must change.</summary>
    public static string PlanFileRefusalMessage(string file, HardwareFaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var lines = string.Join("; ", plan.Refused);
        return string.Create(CultureInfo.InvariantCulture,
            $"--faults {file}: {plan.Refused.Count} fault(s) of the fault plan file have no hardware counterpart and are not run: {lines}. On --backend ibverbs a plan file may hold only faults that map (docs/hardware.md lists them); the simulator (--backend sim) runs them all");
    }

    private static Func<long, double> Fraction(long fromNs, long untilNs) =>
        atNs => Math.Clamp((atNs - fromNs) / (double)Math.Max(1, untilNs - fromNs), 0, 1);

    private static HardwareAction? MapOne(ScriptedFault fault, Func<long, double> fraction, out string reason)
    {
        reason = string.Empty;
        switch (fault)
        {
            case ForceQpErrorFault f when TrySide(f.Target, out var side, out reason):
                return new HardwareAction { Kind = HardwareActionKind.ForceQpError, Side = side, Qp = f.Target.Qp, AtFraction = fraction(f.AtNs), Source = Text(fault) };
            case DisconnectFault f when TrySide(f.Target, out var side, out reason):
                return new HardwareAction { Kind = HardwareActionKind.Disconnect, Side = side, Qp = f.Target.Qp, AtFraction = fraction(f.AtNs), Source = Text(fault) };
            case WcErrorFault f:
                return MapReadError(f.Target, f.Kind, f.Nth, f.Status, fault, out reason);
            case PacketDropFault f when f.Drops > DropsBeyondAnyRetry:
                return MapReadError(f.Target, f.Kind, f.Nth, WcStatus.RetryExcErr, fault, out reason);
            case PacketDropFault:
                reason = "individual packet losses cannot be caused on a NIC that bypasses the kernel (ConnectX); on Soft-RoCE use tc netem loss (docs/hardware.md)";
                return null;
            case ForceQpErrorFault or DisconnectFault:
                return null; // TrySide gave the reason
            case DelayCqFault:
                reason = "when a completion becomes visible is the NIC's timing; no verbs call delays it";
                return null;
            case DropCmEventFault or DelayCmEventFault:
                reason = "CM events are delivered by the kernel's CM; an application cannot drop or delay them";
                return null;
            case AsyncEventFault:
                reason = "async events are raised by the NIC and the kernel; an application cannot raise one";
                return null;
            case CallErrorFault:
                reason = "a verbs or CM call fails inside the provider or the kernel (resources used up, a CM MAD not sent); rdma-core has no switch to make one fail";
                return null;
            case PostErrorFault:
                reason = "a post call fails inside the provider library (a full work queue, a bad WR); rdma-core has no switch to make one fail";
                return null;
            default:
                reason = "device removal, address changes and port flaps need root and the machine's network: an operator's step (docs/hardware.md gives the commands), not the harness's";
                return null;
        }
    }

    private static HardwareAction? MapReadError(QpSelector target, WrKind kind, int nth, WcStatus status, ScriptedFault fault, out string reason)
    {
        reason = string.Empty;
        if (target.Host != HardwareSideNames.Target || kind != WrKind.RdmaRead || target.Qp is not >= 1)
        {
            reason = "only an RDMA READ of a target I/O QP (target QP #1..N) can be made to fail on hardware, from the host that serves it";
            return null;
        }

        if (status is not (WcStatus.RemAccessErr or WcStatus.RetryExcErr))
        {
            reason = $"a NIC cannot be made to complete a WR with {status.ToIbvName()}; REM_ACCESS_ERR and RETRY_EXC_ERR can (an MR deregistered under the READ, a silent responder)";
            return null;
        }

        return new HardwareAction
        {
            Kind = status == WcStatus.RemAccessErr ? HardwareActionKind.DeregisterUnderRead : HardwareActionKind.SilenceUnderRead,
            Side = HardwareSide.Host,
            Qpair = target.Qp.Value - 1,
            NthRead = nth,
            Source = Text(fault),
        };
    }

    private static bool TrySide(QpSelector selector, out HardwareSide side, out string reason)
    {
        side = selector.Host == HardwareSideNames.Host ? HardwareSide.Host : HardwareSide.Target;
        reason = string.Empty;
        if (selector.Host is HardwareSideNames.Host or HardwareSideNames.Target)
        {
            return true;
        }

        reason = "the QP selector must name the host or the target side (each process acts on its own QPs)";
        return false;
    }

    private static string Text(ScriptedFault fault) => fault switch
    {
        ForceQpErrorFault f => string.Create(CultureInfo.InvariantCulture, $"ForceQpErrorFault({f.Target}, at {f.AtNs / 1e3:0.#} µs)"),
        DisconnectFault f => string.Create(CultureInfo.InvariantCulture, $"DisconnectFault({f.Target}, at {f.AtNs / 1e3:0.#} µs)"),
        WcErrorFault f => string.Create(CultureInfo.InvariantCulture, $"WcErrorFault({f.Target}, {f.Kind} #{f.Nth}, {f.Status.ToIbvName()})"),
        PacketDropFault f => string.Create(CultureInfo.InvariantCulture, $"PacketDropFault({f.Target}, {f.Kind} #{f.Nth}, {f.Drops} drops)"),
        _ => fault.ToString(),
    };
}
