using System.Globalization;
using Harness.Transport.Nvmf;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The totals of a snapshot whose fields are each in range (<see cref="SnapshotValidation"/>): what restoring it would
/// allocate (qpairs, queue slots, CQ entries, DMA memory) within <see cref="SnapshotLimits"/>, the data buffers and
/// pooled WRs its requests hold within the transport's pools, and the transport options it implies accepted by the
/// transport and the controller layer.
/// </summary>
internal sealed class SnapshotBudget
{
    private readonly TargetSnapshot _s;
    private readonly Action<string, string> _fail;
    private readonly TargetOptions _options;

    public SnapshotBudget(TargetSnapshot snapshot, Action<string, string> fail)
    {
        _s = snapshot;
        _fail = fail;
        _options = SnapshotOptions.For(snapshot, KnownDefects.None);
    }

    private IEnumerable<QpairSnapshot> Qpairs => _s.PollGroups.SelectMany(g => g.Pollers).SelectMany(p => p.Qpairs);

    public void Check()
    {
        Allocations();
        Pools();
        Options();
    }

    private void Allocations()
    {
        var qpairs = Qpairs.ToList();
        Total(qpairs.Count, SnapshotLimits.QpairsMax, "$.poll_groups", "qpairs");
        Total(qpairs.Sum(q => (long)q.MaxQueueDepth + q.MaxSendDepth), SnapshotLimits.QueueSlotsMax, "$.poll_groups",
            "queue slots (max_queue_depth + max_send_depth of every qpair)");
        Total(((long)_s.PollGroups.Count * _options.NumCqe) + (2 * qpairs.Sum(q => (long)NvmfRdmaTransport.MaxWrPerQp(q.MaxQueueDepth))), SnapshotLimits.CqEntriesMax, "$.poll_groups",
            $"CQ entries ({_s.PollGroups.Count} poll group(s) × num_cqe {_options.NumCqe}, grown by twice MAX_WR_PER_QP of every qpair at most)");
        var pool = (long)_options.NumSharedBuffers * _options.IoUnitSize;
        Total(pool, SnapshotLimits.DmaBytesMax, "$.transport.num_shared_buffers", "bytes of data buffers (num_shared_buffers × io_unit_size)");
        var perSlot = RdmaResources.CapsuleBytes + RdmaResources.CompletionBytes + (long)_options.InCapsuleDataSize;
        Total(pool + qpairs.Where(q => q.Resources != null).Sum(q => q.Resources!.Depth * perSlot), SnapshotLimits.DmaBytesMax, "$.poll_groups",
            "bytes of DMA memory (data buffers, and every qpair's capsules, completions and in-capsule data)");
    }

    /// <summary>The requests that hold data buffers and pooled WRs when restored must find them in the pools, as in the core.</summary>
    private void Pools()
    {
        long buffers = 0, wrs = 0;
        for (var g = 0; g < _s.PollGroups.Count; g++)
        {
            for (var p = 0; p < _s.PollGroups[g].Pollers.Count; p++)
            {
                var qpairs = _s.PollGroups[g].Pollers[p].Qpairs;
                for (var q = 0; q < qpairs.Count; q++)
                {
                    var requests = qpairs[q].Resources?.Requests ?? Array.Empty<RequestSnapshot>();
                    for (var i = 0; i < requests.Count; i++)
                    {
                        if (!SnapshotRestorer.HoldsBuffers(requests[i]))
                        {
                            continue;
                        }

                        var (held, heldBuffers) = NvmfRdmaTransport.RestoredData(requests[i].Length, requests[i].NumWrs, _options.IoUnitSize);
                        buffers += heldBuffers;
                        wrs += held - 1;
                        var path = Inv($"$.poll_groups[{g}].pollers[{p}].qpairs[{q}].resources.requests[{i}]");
                        if (buffers > _options.NumSharedBuffers)
                        {
                            _fail(path + ".length", Inv($"the requests in use up to this one hold {buffers} data buffers of {_options.IoUnitSize} bytes, more than num_shared_buffers ({_options.NumSharedBuffers})"));
                        }

                        if (wrs > _options.DataWrPoolSize)
                        {
                            _fail(path + ".num_wrs", Inv($"the requests in use up to this one hold {wrs} pooled data WRs, more than the transport's pool ({_options.DataWrPoolSize})"));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Every field is checked above; this is what makes sure the transport and the controller layer agree.</summary>
    private void Options()
    {
        try
        {
            _options.Validate();
            NvmfTargetOptions.ForTransport(_options).Validate();
        }
        catch (ArgumentException e)
        {
            _fail(Transport(e.ParamName), $"the transport cannot run with these options: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private void Total(long value, long max, string path, string what)
    {
        if (value > max)
        {
            _fail(path, Inv($"{value} {what}: more than a snapshot may restore ({max})"));
        }
    }

    /// <summary>The transport field an option of <see cref="TargetOptions"/> or <see cref="NvmfTargetOptions"/> comes from.</summary>
    private static string Transport(string? option) => option switch
    {
        nameof(TargetOptions.MaxQueueDepth) or nameof(NvmfTargetOptions.QueueDepthMax) => "$.transport.max_queue_depth",
        nameof(TargetOptions.InCapsuleDataSize) or nameof(NvmfTargetOptions.InCapsuleDataBytes) => "$.transport.in_capsule_data_size",
        nameof(TargetOptions.MaxIoSize) or nameof(NvmfTargetOptions.IoBytesMax) => "$.transport.max_io_size",
        nameof(TargetOptions.IoUnitSize) => "$.transport.io_unit_size",
        nameof(TargetOptions.NumSharedBuffers) => "$.transport.num_shared_buffers",
        _ => "$.transport",
    };

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
