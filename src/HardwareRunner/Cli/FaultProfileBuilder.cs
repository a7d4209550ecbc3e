using System.Globalization;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Scenarios;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// Maps <c>--faults PROFILE</c> and the seed to a <see cref="FaultSetup"/>. Every choice is drawn from the seed's
/// <see cref="StreamName"/> stream (a stream of its own, so profiles do not reshuffle the workload or the simulator):
/// <list type="bullet">
/// <item><c>retry-exceeded</c>: the Nth (1..<see cref="RetryNthMax"/>) RDMA READ of one target I/O QP completes with
/// RETRY_EXC_ERR, while the host allows only <see cref="SplitReadDepth"/> outstanding READs and most writes are
/// <see cref="SplitWriteBytes"/> sent as a descriptor list of <see cref="SplitWriteIovecs"/> keyed descriptors (8 READs of
/// one 4 KiB buffer each: SPDK HEAD's only source of several READs for one request), so the failing READ usually belongs to a write whose
/// READs are posted in parts — where SPDK's pending-read-queue bug lived.</item>
/// <item><c>flush-storm</c>: 1..3 times, a QP (one, or every QP of the target) is forced to ERR: its WRs flush.</item>
/// <item><c>rnr</c>: the host re-posts each response receive late (log-uniform 2..200 µs) while reusing the slot at
/// once, so responses outrun receives; its rnr_retry is drawn (7 = forever; lower ends in RNR_RETRY_EXC_ERR).</item>
/// <item><c>disconnects</c>: 1..4 times, rdma_disconnect of a host or target qpair (the admin qpair included); with
/// probability ½ the host also resets the controller or deletes and re-attaches it in the middle of the I/O; with
/// probability ½ the host's I/O completion queues are slow for a while (completions written late), so qpairs that
/// disconnect then stay LINGERING past the CM's timewait and their late TIMEWAIT_EXIT waits on the shared channel —
/// the shape of SPDK's lingering-qpair hang.</item>
/// <item><c>swarm</c>: <see cref="SwarmProfile.Draw"/> plus each of the four above with probability ½.</item>
/// <item><c>nightly</c>: only faults real hardware can be made to show (docs/hardware.md), each kind with probability ½:
/// QPs to ERR, disconnects, REM_ACCESS_ERR and RETRY_EXC_ERR on a READ of a split write, a controller action.</item>
/// </list>
/// Timed faults fall in the estimated I/O phase of the run (after the controller connected).
/// </summary>
public static class FaultProfileBuilder
{
    /// <summary>Random stream of the profile's draws.</summary>
    public const string StreamName = "harness.fault-profile";

    /// <summary>Largest N of the retry-exceeded READ.</summary>
    public const int RetryNthMax = 64;

    /// <summary>READs the host allows the target in retry-exceeded (the negotiated read depth).</summary>
    public const byte SplitReadDepth = 2;

    /// <summary>Write size of retry-exceeded: 8 READs with 4 KiB buffers and one SGE per WR.</summary>
    public const int SplitWriteBytes = 32_768;

    /// <summary>Iovecs of retry-exceeded's large writes: a descriptor list of 8 keyed descriptors, one READ each.</summary>
    public const int SplitWriteIovecs = 8;

    /// <summary>Fraction of retry-exceeded's I/Os that are <see cref="SplitWriteBytes"/>.</summary>
    public const double SplitWriteFraction = 0.75;

    /// <summary>Virtual time until the controller and its I/O qpairs are connected (measured: about 240 µs).</summary>
    public const long SetupNs = 240_000;

    /// <summary>Virtual time per round of queue-depth I/Os (measured with 4 KiB I/Os: about 9 µs up to qd 16, less beyond).</summary>
    public const long RoundNs = 9_000;

    /// <summary>Shortest and longest delay of the host's slow completion queues.</summary>
    public const long SlowCqDelayNsMin = 500_000;

    public const long SlowCqDelayNsMax = 8_000_000;

    /// <summary>How long the host's completion queues stay slow.</summary>
    public const long SlowCqWindowNs = 20_000_000;

    /// <summary>Random stream of the swarm's connect/disconnect cycles (its own: the profile's older draws keep their values).</summary>
    public const string CyclesStreamName = "harness.fault-profile.ctrlr-cycles";

    /// <summary>Probability that a swarm seed cycles its controller (resets or deletes and re-attaches it) several times.</summary>
    public const double ControllerCyclesChance = 0.5;

    /// <summary>Most controller cycles a swarm seed draws: each leaks what a teardown forgets, so leaks add up and show.</summary>
    public const int ControllerCyclesMax = 4;

    private const int FlushStormsMax = 3;
    private const int DisconnectsMax = 4;
    private const double RecvRepostDelayNsMin = 2_000;
    private const double RecvRepostDelayNsMax = 200_000;
    private static readonly byte[] RnrRetryChoices = { VerbsLimits.RetryCountMax, VerbsLimits.RetryCountMax, 3, 1, 0 };

    /// <summary>
    /// The estimated I/O phase of a simulated run, in virtual time: timed faults are drawn in [from, until). The hardware
    /// runner maps a fault's time to the same fraction of the I/O (<see cref="Hardware.HardwareFaultMapper"/>).
    /// </summary>
    public static (long FromNs, long UntilNs) IoWindow(int ios, int qpairs, int queueDepth) =>
        (SetupNs, SetupNs + (RoundNs * (1 + (ios / Math.Max(1, qpairs * queueDepth)))));

    /// <summary>The setup of <paramref name="profile"/> for this run.</summary>
    public static FaultSetup Build(string profile, ulong seed, int qpairs, int queueDepth, int ios)
    {
        var r = new RandomStreams(seed).Stream(StreamName);
        var (fromNs, untilNs) = IoWindow(ios, qpairs, queueDepth);
        var acc = new Accumulator(r, qpairs, fromNs, untilNs);
        switch (profile)
        {
            case FaultProfiles.None:
                return new FaultSetup();
            case FaultProfiles.RetryExceeded:
                acc.RetryExceeded();
                break;
            case FaultProfiles.FlushStorm:
                acc.FlushStorm();
                break;
            case FaultProfiles.Rnr:
                acc.Rnr();
                break;
            case FaultProfiles.Disconnects:
                acc.Disconnects();
                break;
            case FaultProfiles.Nightly:
                acc.Nightly();
                break;
            default:
                acc.Swarm(SwarmProfile.Draw(new RandomStreams(seed)));
                acc.ControllerCycles(new RandomStreams(seed).Stream(CyclesStreamName));
                break;
        }

        return acc.ToSetup();
    }

    /// <summary>
    /// The setup of a fault plan file (<c>--faults FILE</c>): its scripted faults and swarm rates as written, nothing drawn
    /// from the seed and no workload setting changed. After the run, <see cref="FaultPlanFile.NeverFiredWarning"/> for each
    /// index of the fabric's <see cref="FaultInjector.NeverFired"/> (the plan's indices are the file's).
    /// </summary>
    public static FaultSetup FromFile(FaultPlanFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new FaultSetup { Plan = file.ToPlan(), Description = $"faults: {file.Describe()} (fault plan {file.File})" };
    }

    private sealed class Accumulator(DeterministicRandom r, int qpairs, long fromNs, long untilNs)
    {
        private readonly List<ScriptedFault> _faults = new();
        private readonly List<string> _parts = new();
        private SwarmProfile? _swarm;
        private FaultSetup _setup = new();

        public void RetryExceeded() => ReadError("retry-exceeded", WcStatus.RetryExcErr, "IBV_WC_RETRY_EXC_ERR");

        /// <summary>The Nth RDMA READ of one target I/O QP completes with <paramref name="status"/>, writes split across READs.</summary>
        private void ReadError(string label, WcStatus status, string statusName)
        {
            var qp = 1 + r.NextInt(qpairs); // target QP 0 is the admin qpair's: I/O qpairs are 1..N in connect order
            var nth = 1 + r.NextInt(RetryNthMax);
            _faults.Add(new WcErrorFault(new QpSelector("target", qp), WrKind.RdmaRead, nth, status));
            var split = _setup.LargeIoBytes == SplitWriteBytes
                ? string.Empty
                : Inv($"; host read depth {SplitReadDepth}, {SplitWriteFraction * 100:0}% of I/Os {SplitWriteBytes} B ({SplitWriteIovecs} descriptors, 8 READs)");
            _setup = _setup with
            {
                HostReadDepth = SplitReadDepth,
                LargeIoBytes = SplitWriteBytes,
                LargeIoFraction = SplitWriteFraction,
                LargeIoIovecs = SplitWriteIovecs,
            };
            _parts.Add(Inv($"{label}: RDMA READ #{nth} of target QP #{qp} completes with {statusName}{split}"));
        }

        /// <summary>
        /// The faults a real NIC can be made to show (docs/hardware.md): each kind on with probability ½ (at least one):
        /// QPs forced to ERR, rdma_disconnects, a READ meeting a deregistered MR (REM_ACCESS_ERR), a READ whose responder
        /// goes silent (RETRY_EXC_ERR), a controller reset or delete-and-re-attach. Nothing the simulator alone can do
        /// (swarm rates, CM event drops and delays, slow completion queues).
        /// </summary>
        public void Nightly()
        {
            bool flush, disconnects, remoteAccess, retry, controller;
            do
            {
                flush = r.Chance(0.5);
                disconnects = r.Chance(0.5);
                remoteAccess = r.Chance(0.5);
                retry = r.Chance(0.5);
                controller = r.Chance(0.5);
            }
            while (!(flush || disconnects || remoteAccess || retry || controller));

            _parts.Add("nightly (every fault can be caused on hardware)");
            if (flush)
            {
                FlushStorm();
            }

            if (disconnects)
            {
                DisconnectFaults();
            }

            if (remoteAccess)
            {
                ReadError("remote-access", WcStatus.RemAccessErr, "IBV_WC_REM_ACCESS_ERR");
            }

            if (retry)
            {
                RetryExceeded();
            }

            if (controller)
            {
                ControllerAction();
            }
        }

        public void FlushStorm()
        {
            var n = 1 + r.NextInt(FlushStormsMax);
            var what = new List<string>();
            for (var i = 0; i < n; i++)
            {
                var at = At();
                var selector = r.Chance(1.0 / 3) ? new QpSelector("target") : Qp();
                _faults.Add(new ForceQpErrorFault(selector, at));
                what.Add(Inv($"{Describe(selector)} to ERR at {at / 1e3:0.#} µs"));
            }

            _parts.Add("flush-storm: " + string.Join(", ", what));
        }

        public void Rnr()
        {
            var delay = (long)r.LogUniform(RecvRepostDelayNsMin, RecvRepostDelayNsMax);
            var rnrRetry = RnrRetryChoices[r.NextInt(RnrRetryChoices.Length)];
            _setup = _setup with { RecvRepostDelayNs = delay, RnrRetryCount = rnrRetry };
            _parts.Add(Inv($"rnr: the host re-posts response receives {delay / 1e3:0.#} µs late; host rnr_retry {rnrRetry}{(rnrRetry == VerbsLimits.RetryCountMax ? " (forever)" : string.Empty)}"));
        }

        public void Disconnects()
        {
            DisconnectFaults();
            var action = r.Chance(0.5) ? ControllerAction() : (long?)null;
            if (r.Chance(0.5))
            {
                SlowHostCqs(action ?? At());
            }
        }

        /// <summary>1..<see cref="DisconnectsMax"/> times, rdma_disconnect of a host or target qpair.</summary>
        private void DisconnectFaults()
        {
            var n = 1 + r.NextInt(DisconnectsMax);
            var what = new List<string>();
            for (var i = 0; i < n; i++)
            {
                var at = At();
                var selector = Qp();
                _faults.Add(new DisconnectFault(selector, at));
                what.Add(Inv($"{Describe(selector)} at {at / 1e3:0.#} µs"));
            }

            _parts.Add("disconnects: rdma_disconnect of " + string.Join(", ", what));
        }

        /// <summary>A controller reset, or a deletion and re-attach, at a time in the I/O phase (returned).</summary>
        private long ControllerAction()
        {
            var at = At();
            var kind = r.Chance(0.5) ? ControllerActionKind.Reset : ControllerActionKind.DeleteAndReattach;
            _setup = _setup with { ControllerActions = [.. _setup.ControllerActions, new ControllerAction(at, kind)] };
            _parts.Add(Inv($"controller {(kind == ControllerActionKind.Reset ? "reset" : "delete and re-attach")} at {at / 1e3:0.#} µs"));
            return at;
        }

        /// <summary>
        /// Every I/O completion queue of the host (ordinals 1..N; 0 is the admin qpair's) is slow for a window from
        /// <paramref name="from"/> (the controller action's time when there is one: its qpairs then linger).
        /// </summary>
        private void SlowHostCqs(long from)
        {
            var delay = (long)r.LogUniform(SlowCqDelayNsMin, SlowCqDelayNsMax);
            for (var cq = 1; cq <= qpairs; cq++)
            {
                _faults.Add(new DelayCqFault("host", cq, delay, from, from + SlowCqWindowNs));
            }

            _parts.Add(Inv($"host I/O completion queues {delay / 1e3:0.#} µs late from {from / 1e3:0.#} µs for {SlowCqWindowNs / 1e6:0} ms"));
        }

        public void Swarm(SwarmProfile swarm)
        {
            _swarm = swarm;
            _setup = _setup with
            {
                TargetSrq = swarm.TargetSrq,
                Provider = swarm.Provider,
                InCapsuleDataSize = swarm.InCapsuleDataSize,
                IovecsMax = swarm.IovecsMax,
                CompareAndWriteFraction = swarm.CompareAndWriteFraction,
                TimeoutAction = swarm.TimeoutAbort is bool abort ? (abort ? Transport.Host.NvmeTimeoutAction.Abort : Transport.Host.NvmeTimeoutAction.Reset) : null,
                IoTimeoutMs = swarm.IoTimeoutMs,
                HostRdmaSrqSize = swarm.HostRdmaSrqSize == 0 ? null : swarm.HostRdmaSrqSize,
            };
            _parts.Add(swarm.Describe()["faults: ".Length..]);
            if (r.Chance(0.5))
            {
                RetryExceeded();
            }

            if (r.Chance(0.5))
            {
                FlushStorm();
            }

            if (r.Chance(0.5))
            {
                Rnr();
            }

            if (r.Chance(0.5))
            {
                Disconnects();
            }
        }

        /// <summary>
        /// With probability <see cref="ControllerCyclesChance"/>, 1..<see cref="ControllerCyclesMax"/> controller resets or
        /// deletions and re-attaches at times in the I/O phase, drawn from <paramref name="cycles"/>; the actions stay in time
        /// order with any the other draws made.
        /// </summary>
        public void ControllerCycles(DeterministicRandom cycles)
        {
            if (!cycles.Chance(ControllerCyclesChance))
            {
                return;
            }

            var n = 1 + cycles.NextInt(ControllerCyclesMax);
            var drawn = new List<ControllerAction>();
            for (var i = 0; i < n; i++)
            {
                var at = fromNs + (long)(cycles.NextDouble() * (untilNs - fromNs));
                drawn.Add(new ControllerAction(at, cycles.Chance(0.5) ? ControllerActionKind.Reset : ControllerActionKind.DeleteAndReattach));
            }

            var all = _setup.ControllerActions.Concat(drawn).OrderBy(a => a.AtNs).ThenBy(a => a.Kind).ToArray();
            _setup = _setup with { ControllerActions = all };
            _parts.Add(Inv($"controller cycles: {n} ({string.Join(", ", drawn.OrderBy(a => a.AtNs).Select(a => Inv($"{(a.Kind == ControllerActionKind.Reset ? "reset" : "delete and re-attach")} at {a.AtNs / 1e3:0.#} µs")))})"));
        }

        public FaultSetup ToSetup() => _setup with
        {
            Plan = new FaultPlan(_faults.ToArray(), _swarm),
            Description = "faults: " + string.Join("; ", _parts),
        };

        /// <summary>A host or target QP: 0 is the admin qpair's, 1..N the I/O qpairs' (first connections).</summary>
        private QpSelector Qp() => new(r.Chance(0.5) ? "host" : "target", r.NextInt(qpairs + 1));

        private long At() => fromNs + (long)(r.NextDouble() * (untilNs - fromNs));

        private static string Describe(QpSelector s) => s.Qp == null ? $"every {s.Host} QP" : Inv($"{s.Host} QP #{s.Qp}{(s.Qp == 0 ? " (admin)" : string.Empty)}");

        private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
