using Harness.Sim.Core;
using Harness.Transport.Invariants;

namespace Harness.Sim.Nic;

/// <summary>
/// The receives a queue (a QP's receive queue or an SRQ) holds for its consumer, by wr_id, from post until their
/// completion is polled. Both SPDK transports point a receive's wr_id at its buffer, so the same wr_id posted again
/// before its completion was polled is one buffer posted twice: two messages would land in it, and its one
/// completion would be processed twice or its second never (receive-conservation, seen from the NIC).
/// </summary>
internal static class ReceiveLedger
{
    /// <summary>Records a posted receive; throws <c>receive-conservation</c> if its wr_id is still outstanding.</summary>
    public static void Posted(HashSet<ulong> outstanding, ulong wrId, SimWorld world, object queue)
    {
        Check.That(outstanding.Add(wrId), InvariantNames.ReceiveConservation, (queue, wrId, world.NowNs),
            s => $"{s.queue}: receive wr_id 0x{s.wrId:x} posted while a receive with the same wr_id is still outstanding (the same buffer twice) at {s.NowNs} ns");
    }
}
