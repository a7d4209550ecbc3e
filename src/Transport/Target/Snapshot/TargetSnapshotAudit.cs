using System.Globalization;
using Harness.Transport.Invariants;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// Everything inconsistent in a <see cref="TargetSnapshot"/>, judged on the snapshot alone with the oracle's rules
/// (DESIGN.md "Invariants"): queue structure (unknown elements, cycles, <c>stqh_last</c>), requests reachable from two
/// queues (named at the point where the lists merge: the request whose shared <c>state_link</c> joined them), requests
/// on a queue their state does not belong on, and depth counters that differ from the WRs and capsules the requests
/// hold. Broken lists come first, then double membership (the cause the invariant checker also reports first), then
/// its usual consequences (a stale <c>stqh_last</c>, requests stranded off their queue, counters).
/// </summary>
public static class TargetSnapshotAudit
{
    /// <summary>Findings kept at most (a badly corrupted core could produce one per request).</summary>
    public const int FindingsMax = 256;

    /// <summary>Audits <paramref name="snapshot"/>; an empty list means consistent.</summary>
    public static IReadOnlyList<SnapshotFinding> Run(TargetSnapshot snapshot) => Run(snapshot, out _);

    /// <summary>
    /// Audits <paramref name="snapshot"/>: the first <see cref="FindingsMax"/> findings, and in <paramref name="total"/>
    /// how many there are in all (more than the list holds when capped).
    /// </summary>
    public static IReadOnlyList<SnapshotFinding> Run(TargetSnapshot snapshot, out int total)
    {
        var findings = new List<SnapshotFinding>();
        var index = new SnapshotIndex(snapshot);
        foreach (var scope in index.Scopes)
        {
            Structure(scope, index, findings);
        }

        foreach (var scope in index.Scopes)
        {
            Membership(scope, findings);
        }

        foreach (var scope in index.Scopes)
        {
            Tails(scope, findings);
        }

        foreach (var scope in index.Scopes)
        {
            Placement(scope, findings);
            Counters(scope, findings);
        }

        total = findings.Count;
        return findings.Count > FindingsMax ? findings.Take(FindingsMax).ToList() : findings;
    }

    /// <summary>The queue a request's state puts it on (SPDK's rules, as the invariant checker applies them), or null for none.</summary>
    public static string? ExpectedQueue(string state, int numRemainingDataWr) => state switch
    {
        "FREE" => "free_queue",
        "DATA_TRANSFER_TO_CONTROLLER_PENDING" => "pending_rdma_read_queue",
        "TRANSFERRING_HOST_TO_CONTROLLER" when numRemainingDataWr > 0 => "pending_rdma_read_queue",
        "DATA_TRANSFER_TO_HOST_PENDING" => "pending_rdma_write_queue",
        "READY_TO_COMPLETE_PENDING" => "pending_rdma_send_queue",
        _ => null,
    };

    private static void Structure(SnapshotScope scope, SnapshotIndex index, List<SnapshotFinding> findings)
    {
        foreach (var q in scope.Queues)
        {
            foreach (var e in q.Queue.Elements)
            {
                if (!index.Requests.ContainsKey(TargetSnapshotReader.Address(e)))
                {
                    findings.Add(new SnapshotFinding(InvariantNames.QueueIntegrity, $"{q.Name} holds {e}, which is not a request of this transport"));
                }
            }

            if (!q.Queue.Complete)
            {
                findings.Add(new SnapshotFinding(InvariantNames.QueueIntegrity, $"{q.Name}: the walk from its head did not end at NULL (a cycle, or memory missing from the core)"));
            }
        }
    }

    /// <summary><c>stqh_last</c> must point at the last element reached (after a double insert it often does not: listed after the cause).</summary>
    private static void Tails(SnapshotScope scope, List<SnapshotFinding> findings)
    {
        foreach (var q in scope.Queues.Where(q => q.Queue.Complete))
        {
            var end = q.Queue.Elements.Count > 0 ? q.Queue.Elements[^1] : null;
            if (!string.Equals(q.Queue.Last, end, StringComparison.Ordinal))
            {
                findings.Add(new SnapshotFinding(InvariantNames.QueueIntegrity,
                    $"{q.Name}: stqh_last points at {q.Queue.Last ?? "the head (empty)"} but the list ends at {end ?? "the head (empty)"}"));
            }
        }
    }

    /// <summary>Requests reachable from two queues of one link: reported once per pair of queues, at the merge point.</summary>
    private static void Membership(SnapshotScope scope, List<SnapshotFinding> findings)
    {
        for (var a = 0; a < scope.Queues.Count; a++)
        {
            for (var b = a + 1; b < scope.Queues.Count; b++)
            {
                var qa = scope.Queues[a];
                var qb = scope.Queues[b];
                var inB = qb.Queue.Elements.ToHashSet(StringComparer.Ordinal);
                var shared = qa.Queue.Elements.Where(inB.Contains).ToList();
                if (shared.Count == 0)
                {
                    continue;
                }

                var merge = scope.Request(shared[0]);
                findings.Add(new SnapshotFinding(InvariantNames.RequestInOneQueue, string.Create(CultureInfo.InvariantCulture,
                    $"{Describe(merge, scope)} is linked in {qa.Name} and in {qb.Name}: the two lists merge at it (one state_link cannot be in two queues){(shared.Count > 1 ? $", and the {shared.Count - 1} request(s) behind it are reachable from both" : string.Empty)}")));
            }
        }
    }

    private static void Placement(SnapshotScope scope, List<SnapshotFinding> findings)
    {
        foreach (var (req, _) in scope.OwnRequests)
        {
            var on = scope.Queues.Where(q => q.Queue.Elements.Contains(req.Address, StringComparer.Ordinal)).Select(q => q).ToList();
            if (on.Count > 1)
            {
                continue; // reported as a double insert
            }

            var expected = ExpectedQueue(req.State, req.NumRemainingDataWr);
            var actual = on.Count == 1 ? on[0].Field : null;
            var waitingForBuffer = req.State == "NEED_BUFFER" && actual is null or "pending_iobuf_queue";
            if (!waitingForBuffer && !string.Equals(expected, actual, StringComparison.Ordinal))
            {
                findings.Add(new SnapshotFinding(InvariantNames.QueueStateConsistent,
                    $"{Describe(req, scope)} is on {(on.Count == 1 ? on[0].Name : "no queue")} but its state belongs on {(expected == null ? "no queue" : scope.QueueName(expected))}"));
            }
        }
    }

    private static void Counters(SnapshotScope scope, List<SnapshotFinding> findings)
    {
        if (scope.Qpair is not { } q || q.Resources == null)
        {
            return;
        }

        int send = 0, reads = 0, active = 0, unposted = q.Resources.IncomingQueue.Elements.Count;
        foreach (var r in q.Resources.Requests)
        {
            var transferringIn = r.State == "TRANSFERRING_HOST_TO_CONTROLLER";
            var responding = r.State is "TRANSFERRING_CONTROLLER_TO_HOST" or "COMPLETING";
            send += transferringIn ? r.NumOutstandingDataWr : responding ? 1 + r.NumOutstandingDataWr : 0;
            reads += transferringIn ? r.NumOutstandingDataWr : 0;
            active += r.State == "FREE" ? 0 : 1;
            unposted += r.Recv != null ? 1 : 0;
        }

        var incoming = q.Resources.IncomingQueue.Elements.Count;
        Counter(findings, scope, "current_send_depth", q.CurrentSendDepth, send, "send WRs the requests have outstanding");
        Counter(findings, scope, "current_read_depth", q.CurrentReadDepth, reads, "RDMA READs the requests have outstanding");
        Counter(findings, scope, "qpair.queue_depth", q.QueueDepth, active + incoming, "requests in use plus capsules waiting");
        Counter(findings, scope, "current_recv_depth", q.CurrentRecvDepth, unposted, "receives not posted (held by requests or waiting)");
    }

    private static void Counter(List<SnapshotFinding> findings, SnapshotScope scope, string name, int value, int truth, string what)
    {
        if (value != truth)
        {
            findings.Add(new SnapshotFinding(InvariantNames.DepthCounters,
                string.Create(CultureInfo.InvariantCulture, $"{scope.Name}: {name} {value} but {truth} {what}")));
        }
    }

    private static string Describe(RequestSnapshot r, SnapshotScope scope) => string.Create(CultureInfo.InvariantCulture,
        $"request #{r.Index} ({r.Address}, state {r.State}, num_outstanding_data_wr {r.NumOutstandingDataWr}, num_remaining_data_wr {r.NumRemainingDataWr}) of {scope.ResourcesName}");
}
