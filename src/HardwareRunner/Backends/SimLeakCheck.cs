using Harness.Sim.Cm;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;

namespace Harness.HardwareRunner.Backends;

/// <summary>
/// After a run, asks the simulator itself (not the workload's own bookkeeping) whether anything was left behind:
/// QPs, CM ids, memory regions, DMA buffers, CM events got and never acked.
/// </summary>
internal static class SimLeakCheck
{
    /// <summary>Null when nothing leaked, else what did.</summary>
    public static string? Find(SimFabric fabric)
    {
        var leaks = new List<string>();
        foreach (var host in fabric.Hosts)
        {
            var qps = host.AllQps.Count(q => !q.Destroyed);
            if (qps > 0)
            {
                leaks.Add($"{host.HostName}: {qps} QP(s) not destroyed");
            }

            if (host.Cm is SimCm cm)
            {
                var ids = cm.Ids.Count(i => !i.Destroyed);
                if (ids > 0)
                {
                    leaks.Add($"{host.HostName}: {ids} CM id(s) not destroyed");
                }

                var unacked = cm.Ids.Sum(i => i.UnackedEvents);
                if (unacked > 0)
                {
                    leaks.Add($"{host.HostName}: {unacked} CM event(s) got and never acked");
                }
            }

            if (host.Device.Mrs.Count > 0)
            {
                leaks.Add($"{host.HostName}: {host.Device.Mrs.Count} memory region(s) still registered");
            }

            if (host.Memory is SimMemory memory && memory.AllocatedBuffers > 0)
            {
                leaks.Add($"{host.HostName}: {memory.AllocatedBuffers} DMA buffer(s) ({memory.AllocatedBytes} bytes) not freed");
            }
        }

        return leaks.Count == 0 ? null : string.Join("; ", leaks);
    }
}
