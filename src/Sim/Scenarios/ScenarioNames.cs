using System.Globalization;
using Harness.Sim.Faults;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Scenarios;

/// <summary>
/// The names a scenario file uses, both ways: queue pairs as <c>HOST/N</c> (<c>*</c> for any), WR kinds in kebab case,
/// statuses and events by their rdma-core enumerator names. Parsers throw <see cref="ArgumentException"/> on a name
/// the schema would have rejected (the loader validates first, so a run never sees one).
/// </summary>
public static class ScenarioNames
{
    private static readonly (WrKind Kind, string Name)[] WrNames =
    {
        (WrKind.Any, "any"), (WrKind.Send, "send"), (WrKind.RdmaWrite, "rdma-write"), (WrKind.RdmaRead, "rdma-read"), (WrKind.Recv, "recv"),
    };

    /// <summary><c>target/1</c> → (target, 1); <c>host/*</c> → (host, any); <c>*/*</c> → any QP.</summary>
    public static QpSelector ParseQp(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1)
        {
            throw new ArgumentException($"'{text}' is not HOST/N", nameof(text));
        }

        var host = text[..slash];
        var qp = text[(slash + 1)..];
        return new QpSelector(host == "*" ? null : host, qp == "*" ? null : int.Parse(qp, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>The scenario form of <paramref name="selector"/>.</summary>
    public static string FormatQp(QpSelector selector) =>
        $"{selector.Host ?? "*"}/{(selector.Qp is int n ? n.ToString(CultureInfo.InvariantCulture) : "*")}";

    public static WrKind ParseWr(string text)
    {
        foreach (var (kind, name) in WrNames)
        {
            if (name == text)
            {
                return kind;
            }
        }

        throw new ArgumentException($"unknown WR kind '{text}'", nameof(text));
    }

    public static string FormatWr(WrKind kind) => Array.Find(WrNames, w => w.Kind == kind).Name;

    public static WcStatus ParseWcStatus(string text) =>
        text.StartsWith("IBV_WC_", StringComparison.Ordinal) && WcStatusText.TryParse(text, out var status)
            ? status
            : throw new ArgumentException($"unknown work completion status '{text}'", nameof(text));

    /// <summary><c>send</c>, <c>recv</c>, <c>srq</c> → the post call a post-error fault selects.</summary>
    public static PostQueue ParsePostQueue(string text) => text switch
    {
        "send" => PostQueue.Send,
        "recv" => PostQueue.Recv,
        "srq" => PostQueue.Srq,
        _ => throw new ArgumentException($"unknown post queue '{text}'", nameof(text)),
    };

    public static string FormatPostQueue(PostQueue queue) => queue switch
    {
        PostQueue.Send => "send",
        PostQueue.Recv => "recv",
        _ => "srq",
    };

    /// <summary>The errnos a post fault may return: those rdma-core's mlx5 provider returns from its post calls.</summary>
    public static int ParsePostErrno(string text) => text switch
    {
        "ENOMEM" => Errno.ENOMEM,
        "EINVAL" => Errno.EINVAL,
        _ => throw new ArgumentException($"'{text}' is not an errno a post call returns (ENOMEM, EINVAL)", nameof(text)),
    };

    public static AsyncEventType ParseAsyncEvent(string text)
    {
        for (var t = AsyncEventType.CqErr; t <= AsyncEventType.WqFatal; t++)
        {
            if (text == FormatAsyncEvent(t))
            {
                return t;
            }
        }

        throw new ArgumentException($"unknown async event '{text}'", nameof(text));
    }

    public static string FormatAsyncEvent(AsyncEventType type) => "IBV_EVENT_" + type.ToName();

    public static CmEventType ParseCmEvent(string text) =>
        text.StartsWith("RDMA_CM_EVENT_", StringComparison.Ordinal) && CmEventText.TryParse(text, out var type)
            ? type
            : throw new ArgumentException($"unknown CM event '{text}'", nameof(text));

    /// <summary>Scenario name of <see cref="DeviceRemovalOrder.FatalFirst"/>.</summary>
    public const string FatalFirst = "fatal-first";

    /// <summary><c>fatal-first</c> or <c>removal-first</c> → which event of a device removal comes first.</summary>
    public static DeviceRemovalOrder ParseRemovalOrder(string text) => text switch
    {
        FatalFirst => DeviceRemovalOrder.FatalFirst,
        "removal-first" => DeviceRemovalOrder.RemovalFirst,
        _ => throw new ArgumentException($"unknown device removal order '{text}' (fatal-first, removal-first)", nameof(text)),
    };

    public static string FormatRemovalOrder(DeviceRemovalOrder order) => order == DeviceRemovalOrder.RemovalFirst ? "removal-first" : FatalFirst;

    /// <summary><c>mlx5</c> or <c>rxe</c> → the provider the simulated NIC behaves as.</summary>
    public static Nic.SimProvider ParseProvider(string text) => text switch
    {
        "mlx5" => Nic.SimProvider.Mlx5,
        "rxe" => Nic.SimProvider.Rxe,
        _ => throw new ArgumentException($"unknown provider '{text}' (mlx5, rxe)", nameof(text)),
    };

    public static string FormatProvider(Nic.SimProvider provider) => provider == Nic.SimProvider.Rxe ? "rxe" : "mlx5";

    /// <summary><c>read</c>, <c>write</c>, <c>any</c> → the I/O commands a controller-layer fault selects.</summary>
    public static ControllerIoKind ParseControllerOp(string text) => text switch
    {
        "any" => ControllerIoKind.Any,
        "read" => ControllerIoKind.Read,
        "write" => ControllerIoKind.Write,
        _ => throw new ArgumentException($"unknown I/O kind '{text}' (read, write, any)", nameof(text)),
    };

    public static string FormatControllerOp(ControllerIoKind kind) => kind switch
    {
        ControllerIoKind.Read => "read",
        ControllerIoKind.Write => "write",
        _ => "any",
    };

    /// <summary>The block-device errors a scenario names, and their NVMe statuses.</summary>
    private static readonly (string Name, Transport.Nvme.NvmeStatus Status)[] ControllerStatuses =
    {
        ("unrecovered-read-error", Transport.Nvme.NvmeStatus.Media(0x81)),
        ("write-fault", Transport.Nvme.NvmeStatus.Media(0x80)),
        ("internal-error", Transport.Nvme.NvmeStatus.InternalDeviceError),
    };

    /// <summary><c>unrecovered-read-error</c> (02/81), <c>write-fault</c> (02/80), <c>internal-error</c> (00/06).</summary>
    public static Transport.Nvme.NvmeStatus ParseControllerStatus(string text)
    {
        foreach (var (name, status) in ControllerStatuses)
        {
            if (name == text)
            {
                return status;
            }
        }

        throw new ArgumentException($"unknown block-device status '{text}' (unrecovered-read-error, write-fault, internal-error)", nameof(text));
    }

    public static string FormatControllerStatus(Transport.Nvme.NvmeStatus status) =>
        Array.Find(ControllerStatuses, c => c.Status.HasSameCode(status)).Name
        ?? throw new ArgumentException($"no scenario name for block-device status {status}", nameof(status));

    /// <summary>The scenario form of a simulator fault (what <c>import-log</c> or a sweep writes back out).</summary>
    public static FaultSpec ToSpec(ScriptedFault fault) => fault switch
    {
        WcErrorFault f => new WcErrorSpec(FormatQp(f.Target), FormatWr(f.Kind), f.Nth, f.Status.ToIbvName()),
        PacketDropFault f => new PacketDropSpec(FormatQp(f.Target), FormatWr(f.Kind), f.Nth, f.Drops),
        DisconnectFault f => new DisconnectSpec(FormatQp(f.Target), f.AtNs),
        ForceQpErrorFault f => new ForceQpErrorSpec(FormatQp(f.Target), f.AtNs),
        AsyncEventFault f => new AsyncEventSpec(FormatQp(f.Target), FormatAsyncEvent(f.EventType), f.AtNs),
        DropCmEventFault f => new DropCmEventSpec(f.Host, f.EventType.ToVerbsString(), f.Nth),
        DelayCmEventFault f => new DelayCmEventSpec(f.Host, f.EventType.ToVerbsString(), f.Nth, f.DelayNs),
        DelayCqFault f => new DelayCqSpec(f.Host, f.Cq, f.DelayNs, f.FromNs, f.UntilNs),
        DeviceRemovalFault f => new DeviceRemovalSpec(f.Host, f.AtNs, f.Order == DeviceRemovalOrder.FatalFirst ? null : FormatRemovalOrder(f.Order), f.GapNs == 0 ? null : f.GapNs),
        AddrChangeFault f => new AddrChangeSpec(f.Host, f.AtNs),
        PortFlapFault f => new PortFlapSpec(f.Host, f.AtNs, f.DownNs),
        StaleConnFault f => new StaleConnRejectSpec(f.Host, f.Nth),
        ControllerErrorFault f => new ControllerErrorSpec(FormatControllerOp(f.Op), f.Nth, FormatControllerStatus(f.Status), f.Qid),
        ControllerDelayFault f => new ControllerDelaySpec(FormatControllerOp(f.Op), f.Nth, f.DelayNs, f.Qid),
        PostErrorFault f => new PostErrorSpec(FormatQp(f.Target), FormatPostQueue(f.Queue), f.Nth, f.Wr, Errno.Name(f.Errno)),
        CallErrorFault f => new CallErrorSpec(f.Host, VerbsCallNames.Format(f.Call), f.Nth, Errno.Name(f.Errno)),
        _ => throw new ArgumentException($"no scenario form for {fault}", nameof(fault)),
    };

    /// <summary>The simulator's fault plan of <paramref name="scenario"/>: its scripted faults and swarm profile.</summary>
    public static FaultPlan ToPlan(Scenario scenario, IEnumerable<ScriptedFault>? before = null, SwarmProfile? swarm = null)
    {
        var faults = new List<ScriptedFault>(before ?? Array.Empty<ScriptedFault>());
        foreach (var spec in scenario.Faults ?? Array.Empty<FaultSpec>())
        {
            faults.Add(spec.ToFault());
        }

        return new FaultPlan(faults.ToArray(), ToSwarm(scenario.Swarm) ?? swarm);
    }

    private static SwarmProfile? ToSwarm(ScenarioSwarm? s)
    {
        if (s == null)
        {
            return null;
        }

        var profile = new SwarmProfile
        {
            PacketLossRate = s.PacketLossRate ?? 0,
            WcErrorRate = s.WcErrorRate ?? 0,
            CmEventDelayRate = s.CmEventDelayRate ?? 0,
            PostErrorRate = s.PostErrorRate ?? 0,
            AsyncEventRate = s.AsyncEventRate ?? 0,
            PortFlapRate = s.PortFlapRate ?? 0,
            DeviceRemovalRate = s.DeviceRemovalRate ?? 0,
            AddrChangeRate = s.AddrChangeRate ?? 0,
            StaleConnRate = s.StaleConnRate ?? 0,
            ControllerErrorRate = s.ControllerErrorRate ?? 0,
            ControllerDelayRate = s.ControllerDelayRate ?? 0,
            CallErrorRate = s.CallErrorRate ?? 0,
            DeviceRemovalOrder = ParseRemovalOrder(s.DeviceRemovalOrder ?? FatalFirst),
            DeviceRemovalGapNs = s.DeviceRemovalGapNs ?? 0,
        };
        if (s.CmEventDelayNsMax is long max)
        {
            profile = profile with { CmEventDelayNsMax = max };
        }

        return s.WcErrorStatuses is { } statuses ? profile with { WcErrorStatuses = statuses.Select(ParseWcStatus).ToArray() } : profile;
    }
}
