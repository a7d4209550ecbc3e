using System.Globalization;
using System.Text;
using Harness.Sim.Core;
using Harness.Transport.Verbs;

namespace Harness.Sim.Faults;

/// <summary>
/// Probabilistic faults (swarm testing): each seed switches fault kinds on or off and draws their rates, so
/// different seeds explore different mixes instead of the same thin mix everywhere.
/// </summary>
public sealed record SwarmProfile
{
    /// <summary>Smallest post-error rate a seed draws (per post call).</summary>
    public const double PostErrorRateMin = 1e-4;

    /// <summary>Largest post-error rate a seed draws (per post call): a few failed posts in a sweep seed's 500 I/Os.</summary>
    public const double PostErrorRateMax = 3e-3;

    /// <summary>Probability that a seed draws verbs/CM call errors.</summary>
    public const double CallErrorChance = 0.5;

    /// <summary>Smallest call-error rate a seed draws (per run-time verbs/CM call).</summary>
    public const double CallErrorRateMin = 1e-3;

    /// <summary>Largest call-error rate a seed draws (per run-time verbs/CM call): about one failed call in a sweep seed's connects.</summary>
    public const double CallErrorRateMax = 3e-2;

    /// <summary>Probability that a seed's target uses a shared receive queue per poller.</summary>
    public const double TargetSrqChance = 0.5;

    /// <summary>Probability that a seed's NIC behaves as Soft-RoCE (rxe: no LAST_WQE_REACHED) rather than mlx5.</summary>
    public const double RxeChance = 0.25;

    /// <summary>Probability that a seed draws async events; their rate is log-uniform in [<see cref="AsyncEventRateMin"/>, <see cref="AsyncEventRateMax"/>].</summary>
    public const double AsyncEventChance = 0.5;

    /// <summary>Smallest async-event rate a seed draws (per send-queue WR).</summary>
    public const double AsyncEventRateMin = 1e-4;

    /// <summary>Largest async-event rate a seed draws (per send-queue WR): a few events in a sweep seed's 500 I/Os.</summary>
    public const double AsyncEventRateMax = 2e-3;

    /// <summary>Probability that a seed draws port flaps.</summary>
    public const double PortFlapChance = 0.25;

    /// <summary>Smallest port-flap rate a seed draws (per send-queue WR).</summary>
    public const double PortFlapRateMin = 5e-5;

    /// <summary>Largest port-flap rate a seed draws (per send-queue WR).</summary>
    public const double PortFlapRateMax = 1e-3;

    /// <summary>Shortest time a flapping port stays down: far below the ACK timeout, retransmission hides it.</summary>
    public const long PortDownNsMin = 10_000;

    /// <summary>Longest time a flapping port stays down: beyond retry_cnt × the ACK timeout, WRs end in RETRY_EXC_ERR.</summary>
    public const long PortDownNsMax = 1_000_000_000;

    /// <summary>Probability that a seed draws device removal (rare: it ends the run's use of that side's device).</summary>
    public const double DeviceRemovalChance = 0.1;

    /// <summary>Smallest device-removal rate a seed draws (per send-queue WR).</summary>
    public const double DeviceRemovalRateMin = 1e-4;

    /// <summary>Largest device-removal rate a seed draws (per send-queue WR).</summary>
    public const double DeviceRemovalRateMax = 1e-3;

    /// <summary>Shortest gap a seed draws between a device removal's DEVICE_FATAL and its DEVICE_REMOVAL events.</summary>
    public const long DeviceRemovalGapNsMin = 1_000;

    /// <summary>Longest gap a seed draws between the two: the driver's unregister can take milliseconds after a fatal error.</summary>
    public const long DeviceRemovalGapNsMax = 20_000_000;

    /// <summary>Probability that a seed draws address changes.</summary>
    public const double AddrChangeChance = 0.25;

    /// <summary>Smallest address-change rate a seed draws (per send-queue WR).</summary>
    public const double AddrChangeRateMin = 5e-5;

    /// <summary>Largest address-change rate a seed draws (per send-queue WR).</summary>
    public const double AddrChangeRateMax = 1e-3;

    /// <summary>Probability that a seed draws stale-connection rejects.</summary>
    public const double StaleConnChance = 0.5;

    /// <summary>Smallest stale-connection reject rate a seed draws (per rdma_connect).</summary>
    public const double StaleConnRateMin = 0.05;

    /// <summary>
    /// Largest stale-connection reject rate a seed draws (per rdma_connect): the host retries
    /// NVME_RDMA_STALE_CONN_RETRY_MAX (5) times, so six rejects in a row (0.3⁶ ≈ 0.07 %) fail a connect.
    /// </summary>
    public const double StaleConnRateMax = 0.3;

    /// <summary>Probability that a seed draws controller-layer (block device) errors.</summary>
    public const double ControllerErrorChance = 0.25;

    /// <summary>Smallest controller-error rate a seed draws (per Read/Write the target executes).</summary>
    public const double ControllerErrorRateMin = 1e-3;

    /// <summary>Largest controller-error rate a seed draws (per Read/Write): a handful of failed I/Os in 500.</summary>
    public const double ControllerErrorRateMax = 2e-2;

    /// <summary>Probability that a seed draws delayed controller-layer completions.</summary>
    public const double ControllerDelayChance = 0.5;

    /// <summary>Smallest delayed-completion rate a seed draws (per Read/Write).</summary>
    public const double ControllerDelayRateMin = 1e-3;

    /// <summary>Largest delayed-completion rate a seed draws (per Read/Write).</summary>
    public const double ControllerDelayRateMax = 5e-2;

    /// <summary>Shortest extra delay of a late block-device completion.</summary>
    public const long ControllerDelayNsMin = 10_000;

    /// <summary>Longest extra delay of a late block-device completion: long enough to span a disconnect and a controller re-attach.</summary>
    public const long ControllerDelayNsMax = 5_000_000;

    /// <summary>Random stream of the per-seed draws of the controller-layer faults (a stream of its own: older draws keep their values).</summary>
    public const string ControllerDrawStream = "faults.swarm-draw.ctrlr";

    /// <summary>Random stream of the per-seed draw of the target's in-capsule data size.</summary>
    public const string InCapsuleDrawStream = "faults.swarm-draw.in-capsule";

    /// <summary>Random stream of the per-seed draw of the most iovecs per I/O (a stream of its own: older draws keep their values).</summary>
    public const string IovecsDrawStream = "faults.swarm-draw.iovecs";

    /// <summary>Random stream of the per-seed draws of the host's I/O mix and command timeout (a stream of its own: older draws keep their values).</summary>
    public const string HostIoDrawStream = "faults.swarm-draw.host-io";

    /// <summary>Probability that a seed's workload issues compare-and-write fused pairs.</summary>
    public const double CompareAndWriteChance = 0.5;

    /// <summary>Smallest fraction of I/Os a seed issues as compare-and-write pairs.</summary>
    public const double CompareAndWriteFractionMin = 0.05;

    /// <summary>Largest fraction of I/Os a seed issues as compare-and-write pairs.</summary>
    public const double CompareAndWriteFractionMax = 0.3;

    /// <summary>Probability that a seed's host answers a timed-out command with an Abort rather than a qpair reset.</summary>
    public const double TimeoutAbortChance = 0.5;

    /// <summary>Probability that a seed draws a short I/O command timeout (commands then time out under the seed's delays and losses).</summary>
    public const double ShortIoTimeoutChance = 0.25;

    /// <summary>Shortest I/O command timeout a seed draws (whole ms, as a scenario states it): a few controller delays.</summary>
    public const int IoTimeoutMsMin = 1;

    /// <summary>Longest short I/O command timeout a seed draws (the host's default is 5 s): about an ACK timeout.</summary>
    public const int IoTimeoutMsMax = 100;

    /// <summary>Stream of the host SRQ draw (its own: the older draws keep each seed's values).</summary>
    public const string HostSrqDrawStream = "faults.swarm-draw.host-srq";

    /// <summary>Chance that the host's poll groups get a shared receive queue (SPDK <c>rdma_srq_size</c> != 0, off by default).</summary>
    public const double HostSrqChance = 0.25;

    /// <summary>rdma_srq_size values a swarm draws when the host SRQ is on (the workload raises it to a qpair's entries).</summary>
    public static IReadOnlyList<int> HostRdmaSrqSizes { get; } = new[] { 32, 64, 256 };

    /// <summary>Most iovecs per I/O a seed draws from (1: contiguous payloads; more: descriptor lists, SPDK's host's SGL requests).</summary>
    public static IReadOnlyList<int> IovecsMaxes { get; } = new[] { 1, 4, 8, 16 };

    /// <summary>In-capsule data sizes a seed draws from (0: none, every write's data is fetched by RDMA READ).</summary>
    public static IReadOnlyList<int> InCapsuleDataSizes { get; } = new[] { 0, 4096, 4096, 8192 };

    /// <summary>Statuses a failed Read draws from: media UNRECOVERED READ ERROR (02/81), generic INTERNAL DEVICE ERROR (00/06).</summary>
    public static IReadOnlyList<Transport.Nvme.NvmeStatus> ControllerReadErrors { get; } =
        new[] { Transport.Nvme.NvmeStatus.Media(0x81), Transport.Nvme.NvmeStatus.InternalDeviceError };

    /// <summary>Statuses a failed Write draws from: media WRITE FAULT (02/80), generic INTERNAL DEVICE ERROR (00/06).</summary>
    public static IReadOnlyList<Transport.Nvme.NvmeStatus> ControllerWriteErrors { get; } =
        new[] { Transport.Nvme.NvmeStatus.Media(0x80), Transport.Nvme.NvmeStatus.InternalDeviceError };

    /// <summary>
    /// Async events the swarm raises: those that flag an error or a state change of one QP and make no CM event (no
    /// disconnect). QP_REQ_ERR and QP_ACCESS_ERR move the QP to ERR (its WRs flush); the others leave it as it is.
    /// QP_FATAL stays scripted, LAST_WQE_REACHED and SQ_DRAINED are the NIC's own answers to a state.
    /// </summary>
    public static IReadOnlyList<AsyncEventType> AsyncEventTypes { get; } =
        new[] { AsyncEventType.QpReqErr, AsyncEventType.QpAccessErr, AsyncEventType.CommEst, AsyncEventType.PathMig, AsyncEventType.PathMigErr };

    /// <summary>The target uses an SRQ per poller (a topology draw: the run's workload options, not a fault site).</summary>
    public bool TargetSrq { get; init; }

    /// <summary>The host poll groups' rdma_srq_size (0: no host SRQ).</summary>
    public int HostRdmaSrqSize { get; init; }

    /// <summary>The provider the simulated NIC behaves as (<see cref="SimOptions.Provider"/>).</summary>
    public Nic.SimProvider Provider { get; init; } = Nic.SimProvider.Mlx5;

    /// <summary>Probability that a send-queue WR's start raises an async event from <see cref="AsyncEventTypes"/> on its QP.</summary>
    public double AsyncEventRate { get; init; }

    /// <summary>Probability that a send-queue WR's start takes its host's port down (PORT_ERR) for a drawn while.</summary>
    public double PortFlapRate { get; init; }

    /// <summary>Probability that a send-queue WR's start removes its host's device (DEVICE_REMOVAL, DEVICE_FATAL).</summary>
    public double DeviceRemovalRate { get; init; }

    /// <summary>Which of DEVICE_FATAL and DEVICE_REMOVAL a removal of this seed raises first.</summary>
    public DeviceRemovalOrder DeviceRemovalOrder { get; init; }

    /// <summary>Virtual time between a removal's first and second event (0: both at once).</summary>
    public long DeviceRemovalGapNs { get; init; }

    /// <summary>Probability that a send-queue WR's start changes its host's address (ADDR_CHANGE on its ids).</summary>
    public double AddrChangeRate { get; init; }

    /// <summary>Probability that an rdma_connect is answered with REJECTED, IB_CM_REJ_STALE_CONN.</summary>
    public double StaleConnRate { get; init; }

    /// <summary>Probability that a Read/Write fails in the block device with a status from <see cref="ControllerReadErrors"/> / <see cref="ControllerWriteErrors"/>.</summary>
    public double ControllerErrorRate { get; init; }

    /// <summary>Probability that a Read/Write completes late in the block device (log-uniform in [<see cref="ControllerDelayNsMin"/>, <see cref="ControllerDelayNsMax"/>]).</summary>
    public double ControllerDelayRate { get; init; }

    /// <summary>The target's in-capsule data size in bytes (a topology draw: the run's workload options, not a fault site; null: the run's own).</summary>
    public int? InCapsuleDataSize { get; init; }

    /// <summary>Most iovecs per I/O (a topology draw: the run's workload options; null: the run's own).</summary>
    public int? IovecsMax { get; init; }

    /// <summary>Fraction of I/Os the host issues as compare-and-write fused pairs (a workload draw; null: the run's own).</summary>
    public double? CompareAndWriteFraction { get; init; }

    /// <summary>The host answers a timed-out I/O command with an Abort (a workload draw; null: the run's own).</summary>
    public bool? TimeoutAbort { get; init; }

    /// <summary>The host's I/O command timeout in ms (a workload draw; null: the run's own).</summary>
    public int? IoTimeoutMs { get; init; }

    /// <summary>
    /// Probability that a verbs/CM call the transport makes at run time (<see cref="VerbsCall"/>) fails with the errno
    /// <see cref="VerbsCallNames.SwarmErrno"/> gives.
    /// </summary>
    public double CallErrorRate { get; init; }

    /// <summary>True when any of the swarm faults that happen at a time (async, port, device, address) is on.</summary>
    public bool HasTimedFaults => AsyncEventRate > 0 || PortFlapRate > 0 || DeviceRemovalRate > 0 || AddrChangeRate > 0;

    /// <summary>Probability that a packet (one transmission attempt of a WR) is lost.</summary>
    public double PacketLossRate { get; init; }

    /// <summary>Probability that a send-queue WR completes with an error drawn from <see cref="WcErrorStatuses"/>.</summary>
    public double WcErrorRate { get; init; }

    /// <summary>Probability that a verbs post call (send, recv or SRQ recv) fails with ENOMEM at a WR of its chain.</summary>
    public double PostErrorRate { get; init; }

    /// <summary>Probability that a CM event is delayed by up to <see cref="CmEventDelayNsMax"/>.</summary>
    public double CmEventDelayRate { get; init; }

    /// <summary>Upper bound of a swarm CM event delay.</summary>
    public long CmEventDelayNsMax { get; init; } = 2_000_000;

    /// <summary>Statuses a swarm WC error draws from.</summary>
    public IReadOnlyList<WcStatus> WcErrorStatuses { get; init; } =
        new[] { WcStatus.RetryExcErr, WcStatus.RemAccessErr, WcStatus.RnrRetryExcErr, WcStatus.RemOpErr };

    /// <summary>Draws a profile from the seed's swarm stream: each kind on with probability ½, rate log-uniform.</summary>
    public static SwarmProfile Draw(RandomStreams random)
    {
        var r = random.Stream(StreamNames.SwarmDraw);

        // Kinds added later draw from their own stream, so the older kinds keep each seed's rates.
        var post = random.Stream(StreamNames.PostErrorDraw);
        var reach = random.Stream(StreamNames.ReachDraw);
        var ctrlr = random.Stream(ControllerDrawStream);
        var capsule = random.Stream(InCapsuleDrawStream);
        var call = random.Stream(StreamNames.CallErrorDraw);
        var removal = random.Stream(StreamNames.DeviceRemovalOrderDraw);
        var iovecs = random.Stream(IovecsDrawStream);
        var hostIo = random.Stream(HostIoDrawStream);
        var hostSrq = random.Stream(HostSrqDrawStream);
        return new SwarmProfile
        {
            PacketLossRate = r.Chance(0.5) ? r.LogUniform(1e-5, 2e-2) : 0,
            WcErrorRate = r.Chance(0.5) ? r.LogUniform(1e-5, 2e-3) : 0,
            CmEventDelayRate = r.Chance(0.5) ? r.LogUniform(1e-2, 0.5) : 0,
            PostErrorRate = post.Chance(0.5) ? post.LogUniform(PostErrorRateMin, PostErrorRateMax) : 0,
            TargetSrq = reach.Chance(TargetSrqChance),
            Provider = reach.Chance(RxeChance) ? Nic.SimProvider.Rxe : Nic.SimProvider.Mlx5,
            AsyncEventRate = reach.Chance(AsyncEventChance) ? reach.LogUniform(AsyncEventRateMin, AsyncEventRateMax) : 0,
            PortFlapRate = reach.Chance(PortFlapChance) ? reach.LogUniform(PortFlapRateMin, PortFlapRateMax) : 0,
            DeviceRemovalRate = reach.Chance(DeviceRemovalChance) ? reach.LogUniform(DeviceRemovalRateMin, DeviceRemovalRateMax) : 0,
            AddrChangeRate = reach.Chance(AddrChangeChance) ? reach.LogUniform(AddrChangeRateMin, AddrChangeRateMax) : 0,
            StaleConnRate = reach.Chance(StaleConnChance) ? reach.LogUniform(StaleConnRateMin, StaleConnRateMax) : 0,
            ControllerErrorRate = ctrlr.Chance(ControllerErrorChance) ? ctrlr.LogUniform(ControllerErrorRateMin, ControllerErrorRateMax) : 0,
            ControllerDelayRate = ctrlr.Chance(ControllerDelayChance) ? ctrlr.LogUniform(ControllerDelayRateMin, ControllerDelayRateMax) : 0,
            InCapsuleDataSize = InCapsuleDataSizes[capsule.NextInt(InCapsuleDataSizes.Count)],
            CallErrorRate = call.Chance(CallErrorChance) ? call.LogUniform(CallErrorRateMin, CallErrorRateMax) : 0,
            DeviceRemovalOrder = removal.Chance(0.5) ? DeviceRemovalOrder.RemovalFirst : DeviceRemovalOrder.FatalFirst,
            DeviceRemovalGapNs = (long)removal.LogUniform(DeviceRemovalGapNsMin, DeviceRemovalGapNsMax),
            IovecsMax = IovecsMaxes[iovecs.NextInt(IovecsMaxes.Count)],
            CompareAndWriteFraction = hostIo.Chance(CompareAndWriteChance) ? hostIo.LogUniform(CompareAndWriteFractionMin, CompareAndWriteFractionMax) : 0,
            TimeoutAbort = hostIo.Chance(TimeoutAbortChance),
            IoTimeoutMs = hostIo.Chance(ShortIoTimeoutChance) ? (int)Math.Round(hostIo.LogUniform(IoTimeoutMsMin, IoTimeoutMsMax)) : null,
            HostRdmaSrqSize = hostSrq.Chance(HostSrqChance) ? HostRdmaSrqSizes[hostSrq.NextInt(HostRdmaSrqSizes.Count)] : 0,
        };
    }

    /// <summary>This profile with only the kinds a seed drew before the reach draws (rates of packets, WRs, CM delays, posts).</summary>
    public SwarmProfile WithoutReachFaults() => this with
    {
        TargetSrq = false,
        Provider = Nic.SimProvider.Mlx5,
        AsyncEventRate = 0,
        PortFlapRate = 0,
        DeviceRemovalRate = 0,
        DeviceRemovalOrder = DeviceRemovalOrder.FatalFirst,
        DeviceRemovalGapNs = 0,
        AddrChangeRate = 0,
        StaleConnRate = 0,
        ControllerErrorRate = 0,
        ControllerDelayRate = 0,
        InCapsuleDataSize = null,
        IovecsMax = null,
        CallErrorRate = 0,
        CompareAndWriteFraction = null,
        HostRdmaSrqSize = 0,
        TimeoutAbort = null,
        IoTimeoutMs = null,
    };

    /// <summary>One line listing the drawn rates (printed first for each seed).</summary>
    public string Describe()
    {
        var sb = new StringBuilder("faults: ");
        Append(sb, "packet-loss", PacketLossRate);
        sb.Append(' ');
        Append(sb, "wc-error", WcErrorRate);
        sb.Append(' ');
        Append(sb, "cm-delay", CmEventDelayRate);
        sb.Append(' ');
        Append(sb, "post-error", PostErrorRate);
        sb.Append(' ');
        Append(sb, "async-event", AsyncEventRate);
        sb.Append(' ');
        Append(sb, "port-flap", PortFlapRate);
        sb.Append(' ');
        Append(sb, "device-removal", DeviceRemovalRate);
        if (DeviceRemovalRate > 0)
        {
            sb.Append(DeviceRemovalOrder == DeviceRemovalOrder.RemovalFirst ? " (removal-first +" : " (fatal-first +")
                .Append(DeviceRemovalGapNs.ToString(CultureInfo.InvariantCulture)).Append(" ns)");
        }

        sb.Append(' ');
        Append(sb, "addr-change", AddrChangeRate);
        sb.Append(' ');
        Append(sb, "stale-conn", StaleConnRate);
        sb.Append(' ');
        Append(sb, "call-error", CallErrorRate);
        sb.Append(" srq=").Append(TargetSrq ? "on" : "off");
        sb.Append(" provider=").Append(Provider == Nic.SimProvider.Rxe ? "rxe" : "mlx5");
        sb.Append(' ');
        Append(sb, "ctrlr-error", ControllerErrorRate);
        sb.Append(' ');
        Append(sb, "ctrlr-delay", ControllerDelayRate);
        if (InCapsuleDataSize is int icd)
        {
            sb.Append(" in-capsule=").Append(icd.ToString(CultureInfo.InvariantCulture));
        }

        if (IovecsMax is int iovecsMax)
        {
            sb.Append(" iovecs-max=").Append(iovecsMax.ToString(CultureInfo.InvariantCulture));
        }

        if (CompareAndWriteFraction is double fused)
        {
            sb.Append(' ');
            Append(sb, "compare-and-write", fused);
        }

        if (TimeoutAbort is bool abort)
        {
            sb.Append(" timeout-action=").Append(abort ? "abort" : "reset");
        }

        if (IoTimeoutMs is int timeout)
        {
            sb.Append(" io-timeout=").Append(timeout.ToString(CultureInfo.InvariantCulture)).Append(" ms");
        }

        if (HostRdmaSrqSize != 0)
        {
            sb.Append(" host-srq=").Append(HostRdmaSrqSize.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string name, double rate) =>
        sb.Append(name).Append('=').Append(rate > 0 ? rate.ToString("0.######", CultureInfo.InvariantCulture) : "off");
}
