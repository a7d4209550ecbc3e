namespace Harness.Transport.Target;

/// <summary>Parses SPDK's request state names (as core-dump snapshots and logs give them) back to <see cref="RdmaRequestState"/>.</summary>
public static class RdmaRequestStateNames
{
    private const string Prefix = "RDMA_REQUEST_STATE_";

    private static readonly Dictionary<string, RdmaRequestState> ByName =
        Enum.GetValues<RdmaRequestState>().ToDictionary(s => s.ToName(), s => s, StringComparer.Ordinal);

    /// <summary>Every name this build knows, in state order.</summary>
    public static IReadOnlyList<string> All { get; } = Enum.GetValues<RdmaRequestState>().Select(s => s.ToName()).ToArray();

    /// <summary>Parses <c>TRANSFERRING_HOST_TO_CONTROLLER</c> (or with the <c>RDMA_REQUEST_STATE_</c> prefix).</summary>
    public static bool TryParse(string name, out RdmaRequestState state) =>
        ByName.TryGetValue(name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name, out state);
}
