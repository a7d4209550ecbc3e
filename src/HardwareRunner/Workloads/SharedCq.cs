using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>A connection that handles the completions the shared CQ delivers for it.</summary>
internal interface ICompletionSink
{
    void OnCompletion(in WorkCompletion wc);
}

/// <summary>
/// What both sides of the RDMA workload do with the CQ, PD and event channel all their connections share:
/// dispatch completions by the connection index in wr_id, and release the shared objects at the end.
/// </summary>
internal static class SharedCq
{
    /// <summary>Polls once and hands each completion to its connection. Returns how many were polled.</summary>
    public static int Poll<TConn>(ICompletionQueue cq, WorkCompletion[] wcs, List<TConn> conns, WorkloadMonitor monitor, string side)
        where TConn : ICompletionSink
    {
        var n = cq.Poll(wcs);
        if (n < 0)
        {
            monitor.Report(WorkloadMonitor.Protocol, $"{side}: ibv_poll_cq failed: {Errno.Name(-n)}");
            return 0;
        }

        for (var i = 0; i < n; i++)
        {
            ref readonly var wc = ref wcs[i];
            var index = WrId.Connection(wc.WrId);
            if (index >= conns.Count)
            {
                monitor.Report(WorkloadMonitor.DuplicateCompletion, $"{side}: completion for wr_id 0x{wc.WrId:x16}, which no qpair posted");
                continue;
            }

            conns[index].OnCompletion(wc);
        }

        return n;
    }

    /// <summary>Destroys the shared CQ, PD and channel; a failure means something still uses them (a leak).</summary>
    public static void Release(ICompletionQueue? cq, IProtectionDomain? pd, ICmEventChannel? channel, WorkloadMonitor monitor, string side)
    {
        Check(cq?.Destroy() ?? Errno.Ok, "ibv_destroy_cq", monitor, side);
        Check(pd?.Dealloc() ?? Errno.Ok, "ibv_dealloc_pd", monitor, side);
        Check(channel?.Destroy() ?? Errno.Ok, "rdma_destroy_event_channel", monitor, side);
    }

    /// <summary>Reports a failed destroy as a leak.</summary>
    public static void Check(int rc, string call, WorkloadMonitor monitor, string side)
    {
        if (rc != Errno.Ok)
        {
            monitor.Report(WorkloadMonitor.ResourceLeak, $"{side}: {call} failed: {Errno.Name(rc)} (something still uses it)");
        }
    }
}
