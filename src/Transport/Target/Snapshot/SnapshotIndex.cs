namespace Harness.Transport.Target.Snapshot;

/// <summary>Every request of a snapshot by core address, and the snapshot's <see cref="SnapshotScope"/>s.</summary>
internal sealed class SnapshotIndex
{
    public SnapshotIndex(TargetSnapshot snapshot)
    {
        Scopes = SnapshotScope.Of(snapshot);
        foreach (var group in snapshot.PollGroups)
        {
            foreach (var poller in group.Pollers)
            {
                Add(poller.Resources);
                foreach (var q in poller.Qpairs)
                {
                    Add(q.Resources);
                }
            }
        }
    }

    public Dictionary<ulong, RequestSnapshot> Requests { get; } = new();

    public List<SnapshotScope> Scopes { get; }

    private void Add(ResourcesSnapshot? resources)
    {
        foreach (var r in resources?.Requests ?? Array.Empty<RequestSnapshot>())
        {
            Requests[TargetSnapshotReader.Address(r.Address)] = r;
        }
    }
}
