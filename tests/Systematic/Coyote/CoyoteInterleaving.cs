using Harness.Transport.Host;
using Microsoft.Coyote.Runtime;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// The host's preemption hook (<see cref="IHostInterleaving"/>) as a Coyote scheduling point: at the destroy's event
/// sweep Coyote may run any other thread, as a real CPU may. Outside a Coyote test it does nothing.
/// </summary>
public sealed class CoyoteInterleaving : IHostInterleaving
{
    public static CoyoteInterleaving Instance { get; } = new();

    public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair) => SchedulingPoint.Interleave();
}
