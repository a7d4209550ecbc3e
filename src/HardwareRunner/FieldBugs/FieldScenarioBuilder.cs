using System.Globalization;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// Turns a <see cref="FieldReport"/> into a scenario with the same kinds, order and proportions of failures
/// (docs/reproducing-field-bugs.md):
/// <list type="bullet">
/// <item>each error completion of the log is an incident on its own I/O qpair (an error kills its connection), in log
/// order, up to <see cref="IncidentsMax"/>; error kinds the counters show but the log does not (ACK timeouts, RNR,
/// remote access…) fill the remaining incidents in proportion to their counts;</item>
/// <item>an incident is the I/O that meets the error where it hurts: a DATA error is an RDMA READ of a write split
/// into parts (8 blocks, read depth 2: READ #3 of the qpair, the write's 2nd, fails while 6 are unposted, the shape of
/// SPDK #3463); a SEND error the response of a read; a RECV error a command capsule;</item>
/// <item>flushes tell what was queued: receive flushes the queue depth, send-side flushes the commands behind the
/// failed one (one-block reads, two WRs each); without flush lines, the counters' flush-per-error ratio is used;</item>
/// <item>CM and async events become the matching command at their place in the order (a DISCONNECTED right after an
/// error on that side is its consequence, not a separate fault);</item>
/// <item>a controller delete that did not finish (<c>NVMe path … still exists after delete</c>, SPDK #3347's symptom)
/// is a delete while a qpair lingers: a write in flight, the host's I/O completions late
/// (<see cref="LingerCqDelayNs"/>) so the qpair lingers past the CM timewait and its late CM event waits on the shared
/// channel, then <c>delete-controller</c>; the DISCONNECTED and TIMEWAIT_EXIT lines of such a log are that late event,
/// not faults of their own.</item>
/// </list>
/// The expectation is <c>must-pass</c>: the fixed transport must survive what the field saw. <see cref="SuspectedDefects"/>
/// names the known defects whose pre-fix transport the scenario should fail on.
/// </summary>
public static class FieldScenarioBuilder
{
    /// <summary>Incidents (I/O qpairs) one scenario holds at most.</summary>
    public const int IncidentsMax = 4;

    /// <summary>
    /// Blocks of the split write of a DATA incident: a Last Segment list of as many keyed descriptors, so 8 RDMA READs of
    /// 4 KiB (SPDK HEAD reads a single keyed SGL with one WR; a descriptor list is its only multi-READ request).
    /// </summary>
    public const int SplitWriteBlocks = 8;

    /// <summary>Read depth that splits it (SPDK #3463's shape).</summary>
    public const int SplitReadDepth = 2;

    /// <summary>Queue depth when the log shows no receive flushes.</summary>
    public const int QueueDepthDefault = 8;

    /// <summary>LBAs between the incidents' regions (so their writes and reads never overlap).</summary>
    public const long LbaStride = 64;

    /// <summary>
    /// How late the host's I/O completions are in a controller-delete hang: longer than the CM's timewait (1 ms), so
    /// the qpair still lingers when its late event arrives; half the host's admin poll period (10 ms), so no admin poll
    /// reaps that event before the qpair's destroy does.
    /// </summary>
    public const long LingerCqDelayNs = 5_000_000;

    /// <summary>Until when the host's completions are late: the scenario format's longest time (an hour), i.e. the whole run.</summary>
    public const long LingerWindowNs = 3_600_000_000_000;

    /// <summary>Offset in its qpair's LBA region of the write in flight when the controller is deleted (clear of the incident's blocks).</summary>
    public const long DeleteWriteLbaOffset = LbaStride / 2;

    /// <summary>Counters that name an error kind, and the incident each stands for.</summary>
    public static readonly IReadOnlyList<(string Counter, FieldSide Side, string WrType, WcStatus Status)> CounterKinds = new[]
    {
        ("local_ack_timeout_err", FieldSide.Target, "DATA", WcStatus.RetryExcErr),
        ("rnr_nak_retry_err", FieldSide.Target, "SEND", WcStatus.RnrRetryExcErr),
        ("req_remote_access_errors", FieldSide.Target, "DATA", WcStatus.RemAccessErr),
        ("req_remote_invalid_request", FieldSide.Target, "SEND", WcStatus.RemInvReqErr),
        ("resp_local_length_error", FieldSide.Target, "RECV", WcStatus.LocLenErr),
    };

    /// <summary>The scenario of <paramref name="report"/>; <paramref name="source"/> names the log in its description.</summary>
    public static Scenario Build(FieldReport report, string name, string source, IList<string> plan)
    {
        var incidents = Incidents(report, plan);
        var recvFlushes = incidents.Select(i => i.FlushedRecvs).DefaultIfEmpty(0).Max();
        var depth = recvFlushes > 0 ? Math.Clamp(recvFlushes, 2, 128) : QueueDepthDefault;
        var commands = new List<ScenarioCommand>();
        var faults = new List<FaultSpec>();
        var qpairs = Math.Max(1, incidents.Count);
        var current = 0;
        var hang = report.Events.FirstOrDefault(e => e.Kind == FieldEventKind.DeleteHang);
        foreach (var e in report.Events)
        {
            if (e.Kind == FieldEventKind.WcError)
            {
                var index = incidents.FindIndex(i => i.Event == e);
                if (index >= 0)
                {
                    current = index;
                    AddIncident(incidents[index], index + 1, depth, commands, faults, plan);
                }
            }
            else if (e.Kind == FieldEventKind.DeleteHang)
            {
                AddDeleteHang(e, e == hang, current + 1, qpairs, commands, faults, plan);
            }
            else
            {
                AddEvent(e, report, current + 1, hang != null, commands, plan);
            }
        }

        for (var i = 0; i < incidents.Count; i++)
        {
            if (incidents[i].Event == null)
            {
                AddIncident(incidents[i], i + 1, depth, commands, faults, plan);
            }
        }

        if (commands.Count == 0 || commands[^1] is not SettleCommand)
        {
            commands.Add(new SettleCommand());
        }

        return new Scenario
        {
            Schema = "../docs/scenario.schema.json",
            Name = name,
            Description = Describe(report, source, incidents),
            Seed = 1,
            Expect = ScenarioExpectation.MustPassText,
            Topology = new ScenarioTopology
            {
                Qpairs = qpairs,
                QueueDepth = depth,
                ReadDepth = incidents.Any(i => i.WrType == "DATA" && i.Side == FieldSide.Target) ? SplitReadDepth : null,
                Target = new ScenarioTargetOptions { IoUnitSize = 4096, InCapsuleDataSize = 4096 }, // room for the descriptor list
            },
            Commands = commands,
            Faults = faults,
        };
    }

    private static List<Incident> Incidents(FieldReport report, IList<string> plan)
    {
        var fromLog = report.WcErrors.Take(IncidentsMax).Select(e => new Incident(e, e.Side, e.WrType ?? "DATA", e.Status, e.FlushedRecvs, e.FlushedSends, $"log line {e.Line}")).ToList();
        if (report.Seen(FieldEventKind.WcError) > IncidentsMax)
        {
            plan.Add(string.Create(CultureInfo.InvariantCulture, $"the log has {report.Seen(FieldEventKind.WcError)} error completions; the first {IncidentsMax} are reproduced"));
        }

        var perError = FlushesPerError(report);
        for (var i = 0; i < fromLog.Count; i++)
        {
            if (fromLog[i].FlushedRecvs + fromLog[i].FlushedSends == 0 && perError > 0)
            {
                fromLog[i] = fromLog[i] with { FlushedSends = perError };
            }
        }

        var seen = fromLog.Select(i => i.Status).ToHashSet();
        var kinds = CounterKinds.Where(k => report.Counter(k.Counter) > 0 && !seen.Contains(k.Status)).ToList();
        var shares = Apportion(kinds.Select(k => report.Counter(k.Counter)).ToList(), IncidentsMax - fromLog.Count);
        for (var k = 0; k < kinds.Count; k++)
        {
            for (var n = 0; n < shares[k]; n++)
            {
                fromLog.Add(new Incident(null, kinds[k].Side, kinds[k].WrType, kinds[k].Status, 0, perError,
                    string.Create(CultureInfo.InvariantCulture, $"counter {kinds[k].Counter} {report.Counter(kinds[k].Counter)}")));
            }
        }

        return fromLog;
    }

    /// <summary>Flushes per error the counters may give at most (each is a WR queued behind the failed one: a queue's worth).</summary>
    public const int FlushesPerErrorMax = 1024;

    /// <summary>Mean flushes per error from the counters (requester and responder), 0 without them.</summary>
    private static int FlushesPerError(FieldReport r)
    {
        var errors = (double)r.Counter("req_cqe_error") + r.Counter("resp_cqe_error"); // double: two counters near long.MaxValue must not overflow
        var flushes = (double)r.Counter("req_cqe_flush_error") + r.Counter("resp_cqe_flush_error");
        return errors > 0 ? (int)Math.Min(FlushesPerErrorMax, Math.Round(flushes / errors, MidpointRounding.AwayFromZero)) : 0;
    }

    /// <summary>Largest-remainder apportionment of <paramref name="seats"/> by <paramref name="weights"/>.</summary>
    public static int[] Apportion(IReadOnlyList<long> weights, int seats)
    {
        var result = new int[weights.Count];
        var total = weights.Sum(w => (double)w); // counters near long.MaxValue must not overflow the sum
        if (seats <= 0 || total <= 0)
        {
            return result;
        }

        var quotas = weights.Select(w => (double)w * seats / total).ToArray();
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (int)Math.Floor(quotas[i]);
        }

        foreach (var i in Enumerable.Range(0, result.Length).OrderByDescending(i => quotas[i] - result[i]).ThenBy(i => i).Take(seats - result.Sum()))
        {
            result[i]++;
        }

        return result;
    }

    private static void AddIncident(Incident incident, int qpair, int depth, List<ScenarioCommand> commands, List<FaultSpec> faults, IList<string> plan)
    {
        var lba = (qpair - 1) * LbaStride;
        var side = incident.Side == FieldSide.Target ? "target" : "host";
        var qp = string.Create(CultureInfo.InvariantCulture, $"{side}/{qpair}");
        var status = ScenarioStatusName(incident.Status);
        var (wr, nth, io) = (incident.Side, incident.WrType) switch
        {
            (FieldSide.Target, "DATA") => ("rdma-read", 3, (ScenarioCommand)new WriteCommand(qpair, lba, SplitWriteBlocks) { Iovecs = SplitWriteBlocks }),
            (FieldSide.Target, "SEND") => ("send", 2, new ReadCommand(qpair, lba, 1)),
            (FieldSide.Target, _) => ("recv", 2, new WriteCommand(qpair, lba, 1)),
            (_, "RECV") => ("recv", 2, new ReadCommand(qpair, lba, 1)),
            _ => ("send", 2, new ReadCommand(qpair, lba, 1)),
        };
        faults.Add(new WcErrorSpec(qp, wr, nth, status));
        commands.Add(io);
        var behind = Math.Clamp((incident.FlushedSends + 1) / 2, 0, depth - 1);
        for (var j = 0; j < behind; j++)
        {
            commands.Add(new ReadCommand(qpair, lba + SplitWriteBlocks + j, 1));
        }

        commands.Add(new SettleCommand());
        plan.Add(string.Create(CultureInfo.InvariantCulture,
            $"incident {qpair} ({incident.Origin}): {side} {incident.WrType} {status} -> {ScenarioText.Describe(io)}, whose {wr.ToUpperInvariant()} (#{nth} of {qp}) fails; {behind} one-block read(s) queued behind it ({incident.FlushedSends} send-side flushes)"));
    }

    /// <summary>The known defects whose pre-fix transport <paramref name="scenario"/> (as built here) should fail on.</summary>
    public static IReadOnlyList<string> SuspectedDefects(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var defects = new List<string>();
        if (scenario.Faults?.Any(f => f is WcErrorSpec { Wr: "rdma-read" } w && w.Qp.StartsWith("target/", StringComparison.Ordinal)) == true)
        {
            defects.Add(KnownDefectNames.PendingReadQueueDoubleInsert);
        }

        if (scenario.Commands?.Any(c => c is DeleteControllerCommand) == true)
        {
            defects.Add(KnownDefectNames.LingeringWithoutCtrlrLock);
        }

        return defects;
    }

    /// <summary>
    /// A controller delete that did not finish: a write in flight on <paramref name="qpair"/>, the host's I/O completions
    /// late on every qpair (so the qpair lingers past the CM timewait and its late event waits on the shared channel),
    /// then the delete. Built once, at the first such line.
    /// </summary>
    private static void AddDeleteHang(FieldEvent e, bool first, int qpair, int qpairs, List<ScenarioCommand> commands, List<FaultSpec> faults, IList<string> plan)
    {
        var line = e.Line.ToString(CultureInfo.InvariantCulture);
        if (!first)
        {
            plan.Add($"log line {line}: the controller delete did not finish again: the delete above reproduces it");
            return;
        }

        for (var cq = 1; cq <= qpairs; cq++)
        {
            faults.Add(new DelayCqSpec("host", cq, LingerCqDelayNs, 0, LingerWindowNs));
        }

        var io = new WriteCommand(qpair, ((qpair - 1) * LbaStride) + DeleteWriteLbaOffset, 1);
        commands.Add(io);
        commands.Add(new DeleteControllerCommand());
        plan.Add(string.Create(CultureInfo.InvariantCulture,
            $"log line {line}: the controller delete did not finish (SPDK #3347's symptom) -> {ScenarioText.Describe(io)}, then the host deletes the controller while it is in flight; host I/O completions {LingerCqDelayNs / 1e6:0.#} ms late, so the qpair lingers past the CM timewait and its late CM event waits on the shared channel: the fixed host finishes the delete, the pre-fix one (--defect {KnownDefectNames.LingeringWithoutCtrlrLock}) parks the event unacked and hangs in rdma_destroy_id"));
    }

    private static void AddEvent(FieldEvent e, FieldReport report, int qpair, bool deleting, List<ScenarioCommand> commands, IList<string> plan)
    {
        var side = e.Side == FieldSide.Target ? "target" : "host";
        if (deleting && e.Event is "RDMA_CM_EVENT_DISCONNECTED" or "RDMA_CM_EVENT_TIMEWAIT_EXIT")
        {
            plan.Add(string.Create(CultureInfo.InvariantCulture,
                $"log line {e.Line}: {e.Event} on the {side} while the controller is deleted: the late event of a qpair being destroyed (SPDK #3347 parks it unacked), reproduced by the delete, no fault of its own"));
            return;
        }

        var qp = string.Create(CultureInfo.InvariantCulture, $"{side}/{qpair}");
        ScenarioCommand? command = (e.Kind, e.Event) switch
        {
            (FieldEventKind.CmEvent, "RDMA_CM_EVENT_DISCONNECTED") when !FollowsError(e, report) => new DisconnectCommand(qp),
            (FieldEventKind.CmEvent, "RDMA_CM_EVENT_DEVICE_REMOVAL") => new DeviceRemovalCommand(side),
            (FieldEventKind.CmEvent, "RDMA_CM_EVENT_ADDR_CHANGE") => new AddrChangeCommand(side),
            (FieldEventKind.AsyncEvent, { } ev) => new AsyncEventCommand(qp, ev),
            _ => null,
        };
        if (command != null)
        {
            commands.Add(command);
            commands.Add(new SettleCommand());
            plan.Add(string.Create(CultureInfo.InvariantCulture, $"log line {e.Line}: {e.Event} on the {side} -> {ScenarioText.Describe(command)}"));
            return;
        }

        plan.Add(string.Create(CultureInfo.InvariantCulture,
            $"log line {e.Line}: {e.Event} on the {side}: {(e.Event == "RDMA_CM_EVENT_DISCONNECTED" ? "the consequence of the error before it" : "part of normal connection handling")}, no fault"));
    }

    /// <summary>True when an error completion on the same side was logged before <paramref name="e"/> (with no other event between).</summary>
    private static bool FollowsError(FieldEvent e, FieldReport report)
    {
        var before = report.Events.TakeWhile(x => x != e).LastOrDefault(x => x.Side == e.Side);
        return before?.Kind == FieldEventKind.WcError;
    }

    private static string ScenarioStatusName(WcStatus status) => status.ToIbvName();

    private static string Describe(FieldReport r, string source, List<Incident> incidents)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string>
        {
            string.Create(inv, $"Imported by harness import-log from {source}: {r.Lines} lines: {r.CountOf(FieldEventKind.WcError)} error completion(s), {r.Flushes} flush(es), {r.CountOf(FieldEventKind.CmEvent)} CM event(s), {r.CountOf(FieldEventKind.AsyncEvent)} async event(s), {r.CountOf(FieldEventKind.DeleteHang)} delete hang(s), {r.Unknown} unknown line(s)."),
        };
        if (r.Reordered)
        {
            parts.Add("The log's lines are not in time order: its events are taken in timestamp order.");
        }
        parts.AddRange(incidents.Select((i, n) => string.Create(inv,
            $"Incident {n + 1} ({i.Origin}): {i.Side.ToString().ToLowerInvariant()} {i.WrType} {i.Status.ToIbvName()}, {i.FlushedRecvs} receive and {i.FlushedSends} send-side flushes after it.")));
        if (r.Counters.Count > 0)
        {
            var shown = r.Counters.Where(c => Native.NicCounters.ErrorCounters.Contains(c.Key) && c.Value > 0).Select(c => $"{c.Key} {r.CounterText(c.Key)}");
            parts.Add("NIC counters: " + string.Join(", ", shown) + ".");
        }

        return string.Join(" ", parts);
    }

    private sealed record Incident(FieldEvent? Event, FieldSide Side, string WrType, WcStatus Status, int FlushedRecvs, int FlushedSends, string Origin);
}
