using Harness.Tests.Systematic.Specifications;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;
using Microsoft.Coyote.Specifications;

namespace Harness.Tests.Systematic.Host;

/// <summary>
/// I/O on a poll group's own thread (a poller on its reactor): keeps each running qpair busy with writes and reads
/// until its budget is spent. Every command is reported to <see cref="CommandsComplete"/> (submitted, completed).
/// </summary>
public sealed class IoLoad : IPoller
{
    /// <summary>Blocks per command by default (one 4 KiB block keeps schedules short).</summary>
    public const int Blocks = 1;

    private readonly CommandIds _ids;
    private readonly NvmeRdmaQpair[] _qpairs;
    private readonly DmaBuffer _buffer;
    private readonly NvmeCompletionCallback _callback;
    private readonly int _blocks;
    private readonly bool _writesOnly;
    private readonly int _iovecs;
    private long _budget;

    /// <summary>
    /// <paramref name="iovecs"/> above 1 sends each command's data as that many iovecs, which the host describes with a
    /// Last Segment list of keyed descriptors: the target transfers it with one RDMA WR per descriptor.
    /// </summary>
    public IoLoad(CommandIds ids, NvmeRdmaQpair[] qpairs, DmaBuffer buffer, long budget, int blocks = Blocks, bool writesOnly = false, int iovecs = 1)
    {
        _blocks = blocks;
        _iovecs = iovecs;
        _writesOnly = writesOnly;
        _ids = ids;
        _qpairs = qpairs;
        _buffer = buffer;
        _budget = budget;
        _callback = OnCompletion;
    }

    public string Name => "io_load";

    public long Outstanding { get; private set; }

    public long Completed { get; private set; }

    public long Aborted { get; private set; }

    /// <summary>Submissions left.</summary>
    public long Budget => _budget;

    /// <summary>Nothing outstanding, and nothing more will be submitted: the budget is spent or every qpair is gone for good.</summary>
    public bool Finished => Outstanding == 0 &&
        (_budget == 0 || _qpairs.All(q => q.IsFreed || q.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid));

    public int Poll()
    {
        var work = 0;
        foreach (var q in _qpairs)
        {
            if (_budget <= 0 || q.IsFreed || q.State != NvmeRdmaQpairState.Running || q.Outstanding >= q.NumEntries)
            {
                continue;
            }

            var id = _ids.Next();
            var lba = (ulong)(q.Qid * 1024) + (ulong)(id % 16 * _blocks);
            var read = id % 2 == 0 && !_writesOnly;
            var rc = (read, _iovecs > 1) switch
            {
                (true, false) => q.SubmitRead(1, lba, _blocks, _buffer, 0, _callback, id),
                (false, false) => q.SubmitWrite(1, lba, _blocks, _buffer, 0, _callback, id),
                (true, true) => q.SubmitReadv(1, lba, _blocks, _buffer, 0, _iovecs, _callback, id),
                (false, true) => q.SubmitWritev(1, lba, _blocks, _buffer, 0, _iovecs, _callback, id),
            };
            if (rc != Errno.Ok)
            {
                continue;
            }

            _budget--;
            Outstanding++;
            Specification.Monitor<CommandsComplete>(new CommandsComplete.Submitted(id));
            work++;
        }

        return work;
    }

    private void OnCompletion(object? context, in NvmeCompletion cpl)
    {
        Specification.Assert(cpl.Status.IsSuccess || cpl.Status.HasSameCode(NvmeStatus.AbortedSqDeletion),
            "command {0} completed with {1}: only success or ABORTED - SQ DELETION is legal here", context, cpl);
        Outstanding--;
        Completed++;
        Aborted += cpl.Status.IsSuccess ? 0 : 1;
        Specification.Monitor<CommandsComplete>(new CommandsComplete.Completed((long)context!, cpl.Status.ToString()));
    }
}

/// <summary>Command ids of one schedule, shared by the loads of all threads (per bed, so a replay numbers them alike).</summary>
public sealed class CommandIds
{
    private long _next;

    public long Next() => Interlocked.Increment(ref _next);
}
