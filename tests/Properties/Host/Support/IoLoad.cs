using Harness.Transport.Host;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>
/// A poller on a poll group's reactor (so it runs on the qpairs' own thread) that keeps every running qpair of the
/// group full of reads and writes until <see cref="Stop"/> or its budget of submissions; every submission is tracked.
/// </summary>
public sealed class IoLoad : IObservingPoller
{
    public const int BlocksMax = 8;

    private readonly NvmeRdmaQpair[] _qpairs;
    private readonly DmaBuffer _buffer;
    private readonly IoTracker _tracker;
    private readonly long _budget;
    private long _count;

    public IoLoad(HostBed bed, IReactor reactor, NvmeRdmaQpair[] qpairs, IoTracker tracker, long budget = long.MaxValue)
    {
        _budget = budget;
        _qpairs = qpairs;
        _tracker = tracker;
        _buffer = bed.Buffer(BlocksMax * ScriptedTarget.BlockBytes);
        reactor.AddPoller(this);
    }

    public string Name => "io_load";

    public bool Stopped { get; private set; }

    public void Stop() => Stopped = true;

    public int Poll()
    {
        var work = 0;
        foreach (var q in _qpairs)
        {
            while (!Stopped && _count < _budget && !q.IsFreed && q.State == NvmeRdmaQpairState.Running && q.Outstanding < q.NumEntries)
            {
                var n = _count++;
                var blocks = 1 + (int)(n % BlocksMax);
                var lba = (ulong)(q.Qid * 512) + (ulong)(n % 64 * BlocksMax);
                var ctx = _tracker.Track();
                var rc = n % 3 == 0
                    ? q.SubmitRead(1, lba, blocks, _buffer, 0, _tracker.Callback, ctx)
                    : q.SubmitWrite(1, lba, blocks, _buffer, 0, _tracker.Callback, ctx);
                if (rc != Errno.Ok)
                {
                    _tracker.Untrack(ctx);
                    break;
                }

                work++;
            }
        }

        return work;
    }
}
