using System.Globalization;
using Harness.Transport.Nvme;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The checks of <see cref="TargetSnapshotReader"/> after deserializing: every number within the range the transport
/// accepts (<see cref="SnapshotLimits"/>), every state name known, every address well-formed and every object's
/// address its own, every index in range, and the totals restoring would allocate within bounds. The first problem is
/// a <see cref="SnapshotFormatException"/> with the file, the line and the field.
/// </summary>
internal sealed class SnapshotValidation
{
    private const string Transport = "$.transport";

    private readonly byte[] _json;
    private readonly string _name;
    private readonly Dictionary<ulong, string> _requests = new();
    private readonly Dictionary<ulong, string> _qpairs = new();
    private readonly HashSet<string> _states = new(StringComparer.Ordinal);

    public SnapshotValidation(byte[] json, string name)
    {
        _json = json;
        _name = name;
    }

    public void Check(TargetSnapshot s)
    {
        Header(s);
        TransportOptions(s.Transport);
        for (var g = 0; g < s.PollGroups.Count; g++)
        {
            PollGroup(s.PollGroups[g], Inv($"$.poll_groups[{g}]"), s.Transport);
        }

        new SnapshotBudget(s, Fail).Check();
    }

    private void Header(TargetSnapshot s)
    {
        if (s.Format != TargetSnapshot.FormatName)
        {
            Fail("$.format", $"'{s.Format}': not a {TargetSnapshot.FormatName} (written by tools/gdb/rdma_snapshot.py)");
        }

        if (s.Version != TargetSnapshot.CurrentVersion)
        {
            Fail("$.version", Inv($"version {s.Version}; this build reads version {TargetSnapshot.CurrentVersion}"));
        }

        Count(s.RequestStates.Count, 1, SnapshotLimits.RequestStatesMax, "$.request_states", "names: the binary's enum spdk_nvmf_rdma_request_state");
        for (var i = 0; i < s.RequestStates.Count; i++)
        {
            var state = s.RequestStates[i];
            if (state.Length == 0 || !_states.Add(state))
            {
                Fail(Inv($"$.request_states[{i}]"), state.Length == 0 ? "an empty state name" : $"'{state}' is listed twice");
            }
        }

        Count(s.PollGroups.Count, 1, SnapshotLimits.PollGroupsMax, "$.poll_groups", "poll groups: a started transport has at least one, the simulated target at most " +
            SnapshotLimits.PollGroupsMax.ToString(CultureInfo.InvariantCulture));
    }

    private void TransportOptions(TransportSnapshot t)
    {
        Address(t.Address, Transport + ".address");
        Range(t.MaxQueueDepth, SnapshotLimits.QueueDepthMin, SnapshotLimits.QueueDepthMax, Transport + ".max_queue_depth", "the transport's queue depths");
        Range(t.InCapsuleDataSize, 0, TargetOptions.InCapsuleDataSizeMax, Transport + ".in_capsule_data_size", "bytes of in-capsule data");
        if (t.InCapsuleDataSize % 16 != 0)
        {
            Fail(Transport + ".in_capsule_data_size", Inv($"{t.InCapsuleDataSize}: must be a multiple of 16 (NVMe counts in-capsule data in 16-byte units)"));
        }

        var ioSizeMax = (int)(SglDescriptor.MaxKeyedLength / 4096 * 4096);
        Range(t.MaxIoSize, 4096, ioSizeMax, Transport + ".max_io_size", "bytes: one keyed SGL descriptor (24-bit length), a multiple of 4096");
        if (t.MaxIoSize % 4096 != 0)
        {
            Fail(Transport + ".max_io_size", Inv($"{t.MaxIoSize}: must be a multiple of 4096"));
        }

        Range(t.IoUnitSize, TargetOptions.IoUnitSizeMin, t.MaxIoSize, Transport + ".io_unit_size", "bytes, at most max_io_size");
        var buffersPerIo = (t.MaxIoSize + t.IoUnitSize - 1) / t.IoUnitSize;
        if (buffersPerIo > RdmaRequest.BuffersMax)
        {
            Fail(Transport + ".io_unit_size", Inv($"{t.IoUnitSize}: an I/O of max_io_size {t.MaxIoSize} would need {buffersPerIo} buffers, more than the {RdmaRequest.BuffersMax} a request may hold"));
        }

        Range(t.NumSharedBuffers, buffersPerIo, int.MaxValue, Transport + ".num_shared_buffers", "buffers: at least one I/O of max_io_size");
    }

    private void PollGroup(PollGroupSnapshot group, string path, TransportSnapshot t)
    {
        Address(group.Address, path + ".address");
        Queue(group.PendingBufQueue, path + ".pending_buf_queue");
        for (var p = 0; p < group.Pollers.Count; p++)
        {
            Poller(group.Pollers[p], Inv($"{path}.pollers[{p}]"), t);
        }
    }

    private void Poller(PollerSnapshot poller, string path, TransportSnapshot t)
    {
        Address(poller.Address, path + ".address");
        Range(poller.MaxSrqDepth, 0, SnapshotLimits.ResourcesDepthMax, path + ".max_srq_depth", "receives of a shared receive queue");
        if (poller.Srq && poller.Resources == null)
        {
            Fail(path + ".resources", "a poller with an SRQ needs its shared resources");
        }

        if (poller.Resources != null)
        {
            Resources(poller.Resources, path + ".resources", null, t);
        }

        for (var q = 0; q < poller.Qpairs.Count; q++)
        {
            Qpair(poller.Qpairs[q], Inv($"{path}.qpairs[{q}]"), poller.Srq, t);
        }
    }

    private void Qpair(QpairSnapshot q, string path, bool srq, TransportSnapshot t)
    {
        Unique(_qpairs, q.Address, path + ".address", "qpair");
        Range(q.Qid, 0, SnapshotLimits.QidMax, path + ".qid", "an NVMe queue id");
        if (!SnapshotStateNames.QpairStates.ContainsKey(q.State))
        {
            Fail(path + ".state", $"'{q.State}' is not a qpair state this build knows (known: {string.Join(", ", SnapshotStateNames.QpairStates.Keys)})");
        }

        if (q.IbvState != null && !SnapshotStateNames.IbvStates.ContainsKey(q.IbvState))
        {
            Fail(path + ".ibv_state", $"'{q.IbvState}' is not a QP state (known: {string.Join(", ", SnapshotStateNames.IbvStates.Keys)}, or null without a QP)");
        }

        Range(q.MaxQueueDepth, SnapshotLimits.QueueDepthMin, SnapshotLimits.QueueDepthMax, path + ".max_queue_depth", "the transport's queue depths");
        Range(q.MaxReadDepth, 0, SnapshotLimits.ReadDepthMax, path + ".max_read_depth", "RDMA READs a QP may have outstanding (8 bits)");
        Range(q.MaxSendDepth, 1, SnapshotLimits.SendDepthMax, path + ".max_send_depth", "send WRs: at most twice the largest queue depth");
        Range(q.QueueDepth, 0, q.MaxQueueDepth, path + ".queue_depth", "capsules in use: at most its max_queue_depth");
        Range(q.CurrentRecvDepth, 0, q.MaxQueueDepth, path + ".current_recv_depth", "receives: at most its max_queue_depth");
        Range(q.CurrentReadDepth, 0, q.MaxReadDepth, path + ".current_read_depth", "READs: at most its max_read_depth");
        Range(q.CurrentSendDepth, 0, q.MaxSendDepth, path + ".current_send_depth", "send WRs: at most its max_send_depth");
        if (!srq && q.Resources == null)
        {
            Fail(path + ".resources", "a qpair without an SRQ needs its own resources");
        }

        if (q.Resources != null)
        {
            Resources(q.Resources, path + ".resources", srq ? null : q.MaxQueueDepth, t);
        }

        foreach (var (queue, field) in new[] { (q.PendingIobufQueue, "pending_iobuf_queue"), (q.PendingRdmaReadQueue, "pending_rdma_read_queue"),
                     (q.PendingRdmaWriteQueue, "pending_rdma_write_queue"), (q.PendingRdmaSendQueue, "pending_rdma_send_queue") })
        {
            if (queue != null)
            {
                Queue(queue, $"{path}.{field}");
            }
        }
    }

    /// <summary>A resources object; <paramref name="depth"/> is the qpair's max_queue_depth it must have (null for SRQ resources).</summary>
    private void Resources(ResourcesSnapshot r, string path, int? depth, TransportSnapshot t)
    {
        Address(r.Address, path + ".address");
        Range(r.Depth, 1, SnapshotLimits.ResourcesDepthMax, path + ".depth", "requests and receives");
        if (depth is int d && r.Depth != d)
        {
            Fail(path + ".depth", Inv($"{r.Depth}, but the qpair's max_queue_depth is {d} (SPDK sizes a qpair's resources by it)"));
        }

        if (r.Requests.Count != r.Depth || r.Recvs.Count != r.Depth)
        {
            Fail(path + ".requests", Inv($"{r.Requests.Count} requests and {r.Recvs.Count} recvs, but depth {r.Depth}"));
        }

        Queue(r.FreeQueue, path + ".free_queue");
        Queue(r.IncomingQueue, path + ".incoming_queue");
        var recvs = new Dictionary<ulong, string>();
        for (var i = 0; i < r.Recvs.Count; i++)
        {
            var rp = Inv($"{path}.recvs[{i}]");
            Index(r.Recvs[i].Index, i, rp + ".index", "recvs");
            Unique(recvs, r.Recvs[i].Address, rp + ".address", "receive of these resources");
            OptionalAddress(r.Recvs[i].Qpair, rp + ".qpair");
        }

        for (var i = 0; i < r.Requests.Count; i++)
        {
            Request(r.Requests[i], Inv($"{path}.requests[{i}]"), i, r.Depth, t);
        }
    }

    private void Request(RequestSnapshot req, string path, int index, int depth, TransportSnapshot t)
    {
        Index(req.Index, index, path + ".index", "requests");
        if (!RdmaRequestStateNames.TryParse(req.State, out _))
        {
            Fail(path + ".state", $"'{req.State}' is not a request state this build knows (known: {string.Join(", ", RdmaRequestStateNames.All)})");
        }

        if (!_states.Contains(req.State))
        {
            Fail(path + ".state", $"'{req.State}' is not in the snapshot's request_states (the binary's own enum)");
        }

        if (req.Recv is { } recv && (recv < 0 || recv >= depth))
        {
            Fail(path + ".recv", Inv($"{recv}: not an index of the {depth} recvs"));
        }

        Unique(_requests, req.Address, path + ".address", "request");
        OptionalAddress(req.StateLinkNext, path + ".state_link_next");
        OptionalAddress(req.Qpair, path + ".qpair");
        Range(req.NumWrs, 0, SnapshotLimits.DataWrsMax, path + ".num_wrs", "data WRs of one request");
        Range(req.NumOutstandingDataWr, 0, SnapshotLimits.DataWrsMax, path + ".num_outstanding_data_wr", "data WRs of one request");
        Range(req.NumRemainingDataWr, 0, SnapshotLimits.DataWrsMax, path + ".num_remaining_data_wr", "data WRs of one request");
        Range(req.Length, 0, t.MaxIoSize, path + ".length", "bytes: at most the transport's max_io_size");
        if (req.Command != null && (req.Command.Length != 2 * RdmaResources.CapsuleBytes || !req.Command.All(Uri.IsHexDigit)))
        {
            Fail(path + ".command", "must be the 64-byte capsule as 128 hex digits");
        }
    }

    private void Queue(QueueSnapshot queue, string path)
    {
        for (var i = 0; i < queue.Elements.Count; i++)
        {
            Address(queue.Elements[i], Inv($"{path}.elements[{i}]"));
        }

        OptionalAddress(queue.Last, path + ".last");
    }

    /// <summary>An address that must be this object's alone (two objects of a core never share one).</summary>
    private void Unique(Dictionary<ulong, string> seen, string text, string path, string what)
    {
        var address = Address(text, path);
        if (!seen.TryAdd(address, path))
        {
            Fail(path, $"{text} is also the address of the {what} at {seen[address]}: two objects of one core cannot share an address");
        }
    }

    private void OptionalAddress(string? text, string path)
    {
        if (text != null)
        {
            Address(text, path);
        }
    }

    private ulong Address(string text, string path)
    {
        try
        {
            return TargetSnapshotReader.Address(text);
        }
        catch (FormatException e)
        {
            Fail(path, e.Message);
            return 0;
        }
    }

    private void Index(int value, int expected, string path, string array)
    {
        if (value != expected)
        {
            Fail(path, Inv($"{value}: {array} must be listed in array order (expected {expected})"));
        }
    }

    private void Range(long value, long min, long max, string path, string what)
    {
        if (value < min || value > max)
        {
            Fail(path, Inv($"{value}: must be {min}..{max} ({what})"));
        }
    }

    private void Count(int count, int min, int max, string path, string what)
    {
        if (count < min || count > max)
        {
            Fail(path, Inv($"{count} {what}: must be {min}..{max}"));
        }
    }

    private void Fail(string path, string problem) => throw new SnapshotFormatException(_name, JsonLocator.LineOf(_json, path), path, problem);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
