using Harness.Sim.Faults;

namespace Harness.Sim.Nic;

/// <summary>Scripted and swarm failures of the post calls themselves (<c>ibv_post_send</c>/<c>ibv_post_recv</c> returning an errno).</summary>
public sealed partial class SimQp
{
    private int _postSendCalls;
    private int _postRecvCalls;

    /// <summary>
    /// Counts a post call on <paramref name="queue"/> and asks the fault plan whether it fails: the index of the WR that
    /// fails with <paramref name="errno"/> (the WRs before it are posted, as with a real <c>bad_wr</c>), or -1.
    /// </summary>
    private int PostFaultAt(PostQueue queue, int chainLength, out int errno)
    {
        var nth = queue == PostQueue.Send ? ++_postSendCalls : ++_postRecvCalls;
        return Device.Host.Fabric.Faults.TryPostError(HostName, Ordinal, queue, nth, chainLength, out var badWr, out errno) ? badWr : -1;
    }

    /// <summary>The post call reached its failing WR: trace it and return the errno (the WR is not posted).</summary>
    private int PostFailed(int index, ulong wrId, int errno)
    {
        Device.Host.Fabric.Faults.RecordPostError(HostName, QpNum, index, wrId, errno);
        return errno;
    }
}
