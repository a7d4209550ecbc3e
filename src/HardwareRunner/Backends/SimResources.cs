using Harness.Sim.Cm;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;

namespace Harness.HardwareRunner.Backends;

/// <summary>What one simulated host holds, as the simulator itself counts it (not the workload's bookkeeping).</summary>
internal readonly record struct SimResources(int Qps, int CmIds, int UnackedCmEvents, int Mrs, int Buffers, long BufferBytes, int Cqs, int Srqs, int UnackedAsyncEvents)
{
    /// <summary>Counts what <paramref name="host"/> holds now.</summary>
    public static SimResources Of(SimHost host)
    {
        int ids = 0, unacked = 0;
        if (host.Cm is SimCm cm)
        {
            ids = cm.Ids.Count(i => !i.Destroyed);
            unacked = cm.Ids.Sum(i => i.UnackedEvents);
        }

        var memory = host.Memory as SimMemory;
        var device = host.Device;
        return new SimResources(host.AllQps.Count(q => !q.Destroyed), ids, unacked, device.Mrs.Count, memory?.AllocatedBuffers ?? 0, memory?.AllocatedBytes ?? 0,
            device.LiveCqs, device.LiveSrqs, device.UnackedAsyncEvents);
    }
}
