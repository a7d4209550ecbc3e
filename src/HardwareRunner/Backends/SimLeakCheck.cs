using Harness.Sim.Fabric;

namespace Harness.HardwareRunner.Backends;

/// <summary>
/// After a run, asks the simulator itself (not the workload's own bookkeeping) whether anything was left behind:
/// QPs, CQs, SRQs, CM ids, memory regions, DMA buffers, CM and async events got and never acked. A host may be given a baseline (what it
/// holds for its whole life, e.g. a target's listener and buffer pool); anything beyond it is a leak.
/// </summary>
internal static class SimLeakCheck
{
    /// <summary>What every host holds now (the baseline of a later <see cref="Find(SimFabric, IReadOnlyDictionary{string, SimResources})"/>).</summary>
    public static Dictionary<string, SimResources> Snapshot(SimFabric fabric, params string[] hosts) =>
        fabric.Hosts.Where(h => hosts.Contains(h.HostName, StringComparer.Ordinal)).ToDictionary(h => h.HostName, SimResources.Of, StringComparer.Ordinal);

    /// <summary>Null when nothing leaked (every host holds nothing), else what did.</summary>
    public static string? Find(SimFabric fabric) => Find(fabric, new Dictionary<string, SimResources>());

    /// <summary>Null when no host holds more than its baseline (nothing, when it has none), else what leaked.</summary>
    public static string? Find(SimFabric fabric, IReadOnlyDictionary<string, SimResources> baseline)
    {
        var leaks = new List<string>();
        foreach (var host in fabric.Hosts)
        {
            var now = SimResources.Of(host);
            var b = baseline.GetValueOrDefault(host.HostName);
            var name = host.HostName;
            Add(leaks, now.Qps - b.Qps, $"{name}: {{0}} QP(s) not destroyed");
            Add(leaks, now.CmIds - b.CmIds, $"{name}: {{0}} CM id(s) not destroyed");
            Add(leaks, now.UnackedCmEvents - b.UnackedCmEvents, $"{name}: {{0}} CM event(s) got and never acked");
            Add(leaks, now.Mrs - b.Mrs, $"{name}: {{0}} memory region(s) still registered");
            Add(leaks, now.Buffers - b.Buffers, $"{name}: {{0}} DMA buffer(s) ({now.BufferBytes - b.BufferBytes} bytes) not freed");
            Add(leaks, now.Cqs - b.Cqs, $"{name}: {{0}} CQ(s) not destroyed");
            Add(leaks, now.Srqs - b.Srqs, $"{name}: {{0}} SRQ(s) not destroyed");
            Add(leaks, now.UnackedAsyncEvents - b.UnackedAsyncEvents, $"{name}: {{0}} async event(s) got and never acked");
        }

        return leaks.Count == 0 ? null : string.Join("; ", leaks);
    }

    private static void Add(List<string> leaks, int count, string format)
    {
        if (count > 0)
        {
            leaks.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, count));
        }
    }
}
