using System.Globalization;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The requests of one resources object and every queue their <c>state_link</c> can be on: a qpair's own resources with
/// its four pending queues, or (SRQ) a poller's shared resources with the queues of all its qpairs. The poll group's
/// <c>pending_buf_queue</c> (linked by <c>buf_link</c>) is a scope of its own.
/// </summary>
public sealed class SnapshotScope
{
    private readonly Dictionary<string, RequestSnapshot> _byAddress;

    internal SnapshotScope(string name, string resourcesName, QpairSnapshot? qpair, IReadOnlyList<NamedQueue> queues, IReadOnlyList<RequestSnapshot> requests)
    {
        Name = name;
        ResourcesName = resourcesName;
        Qpair = qpair;
        Queues = queues;
        OwnRequests = requests.Select(r => (r, qpair)).ToList();
        _byAddress = requests.ToDictionary(r => r.Address, StringComparer.Ordinal);
    }

    public string Name { get; }

    public string ResourcesName { get; }

    /// <summary>The qpair whose counters this scope can check (null for shared SRQ resources and poll groups).</summary>
    public QpairSnapshot? Qpair { get; }

    public IReadOnlyList<NamedQueue> Queues { get; }

    public IReadOnlyList<(RequestSnapshot Request, QpairSnapshot? Qpair)> OwnRequests { get; }

    /// <summary>A request of this scope by address (the first element of a queue that merges with another is one).</summary>
    public RequestSnapshot Request(string address) =>
        _byAddress.TryGetValue(address, out var r) ? r : new RequestSnapshot
        {
            Address = address,
            Index = -1,
            State = "?",
            NumWrs = 0,
            NumOutstandingDataWr = 0,
            NumRemainingDataWr = 0,
            Length = 0,
            Xfer = "?",
            DataOpcode = "?",
        };

    /// <summary>The name of this scope's queue with SPDK field name <paramref name="field"/>.</summary>
    public string QueueName(string field) => Queues.FirstOrDefault(q => q.Field == field)?.Name ?? field;

    /// <summary>Builds the scopes of <paramref name="snapshot"/>.</summary>
    internal static List<SnapshotScope> Of(TargetSnapshot snapshot)
    {
        var scopes = new List<SnapshotScope>();
        foreach (var group in snapshot.PollGroups)
        {
            scopes.Add(new SnapshotScope($"poll group {group.Address}", $"poll group {group.Address}", null,
                new[] { new NamedQueue($"pending_buf_queue of poll group {group.Address}", "pending_buf_queue", group.PendingBufQueue) }, Array.Empty<RequestSnapshot>()));
            foreach (var poller in group.Pollers)
            {
                if (poller.Resources != null)
                {
                    var queues = poller.Qpairs.SelectMany(PendingQueues).ToList();
                    queues.Add(FreeQueue(poller.Resources, $"poller {poller.Address}"));
                    scopes.Add(new SnapshotScope($"poller {poller.Address} (SRQ)", $"resources {poller.Resources.Address} of poller {poller.Address}", null, queues, poller.Resources.Requests));
                }

                foreach (var q in poller.Qpairs.Where(q => q.Resources != null))
                {
                    var queues = PendingQueues(q).ToList();
                    queues.Add(FreeQueue(q.Resources!, QpairName(q)));
                    scopes.Add(new SnapshotScope(QpairName(q), $"resources {q.Resources!.Address} of {QpairName(q)}", q, queues, q.Resources.Requests));
                }
            }
        }

        return scopes;
    }

    /// <summary><c>qpair 0x… (qid 1)</c>.</summary>
    public static string QpairName(QpairSnapshot q) => string.Create(CultureInfo.InvariantCulture, $"qpair {q.Address} (qid {q.Qid})");

    private static NamedQueue FreeQueue(ResourcesSnapshot r, string owner) => new($"free_queue of resources {r.Address} ({owner})", "free_queue", r.FreeQueue);

    private static IEnumerable<NamedQueue> PendingQueues(QpairSnapshot q)
    {
        var name = QpairName(q);
        foreach (var (queue, field) in new[]
                 {
                     (q.PendingIobufQueue, "pending_iobuf_queue"), (q.PendingRdmaReadQueue, "pending_rdma_read_queue"),
                     (q.PendingRdmaWriteQueue, "pending_rdma_write_queue"), (q.PendingRdmaSendQueue, "pending_rdma_send_queue"),
                 })
        {
            if (queue != null)
            {
                yield return new NamedQueue($"{field} of {name}", field, queue);
            }
        }
    }
}
