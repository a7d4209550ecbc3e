using System.Net;
using Harness.Transport.Invariants;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target.Snapshot;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// Starting from an injected state: a core-dump <see cref="TargetSnapshot"/> becomes the transport's initial state
/// (qpairs, requests, queues with their links exactly as in the core, counters, outstanding WRs on the NIC), and the
/// invariant checker runs at once, so whatever was inconsistent in the field is reported before anything else happens.
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    private readonly List<string> _restoreNotes = new();

    /// <summary>What restoring a snapshot could not reproduce exactly (e.g. another SGE geometry gave another WR count).</summary>
    public IReadOnlyList<string> RestoreNotes => _restoreNotes;

    /// <summary>
    /// <see cref="Start"/>s the transport (one poll group per snapshot poll group), restores <paramref name="snapshot"/>
    /// into it and checks every invariant (<see cref="TargetInvariants.CheckAll"/>: throws
    /// <see cref="Invariants.InvariantViolationException"/> at the first inconsistency). Then commands that were
    /// executing in the field are handed to the controller layer again. Nothing has run yet when this returns.
    /// </summary>
    public void StartFromSnapshot(IReactorRuntime reactors, IPEndPoint listenAddress, TargetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Check.That(_qpairs.Count == 0, InvariantNames.StateTransition, this, _ => "a snapshot is restored into a transport that has no qpairs yet");
        Check.That(_groups.Count == 0, InvariantNames.StateTransition, this, _ => "StartFromSnapshot starts the transport: it must not be started already");
        Start(reactors, Math.Clamp(snapshot.PollGroups.Count, 1, PollGroupsMax), listenAddress);
        new SnapshotRestorer(this, snapshot).Run();
        TargetInvariants.CheckAll(this);
        foreach (var qpair in _qpairs)
        {
            foreach (var req in qpair.Restored && qpair.Resources != null ? qpair.Resources.Reqs : Array.Empty<RdmaRequest>())
            {
                if (req.State == RdmaRequestState.Executing && req.Qpair == qpair)
                {
                    _handler.Execute(req);
                }
            }
        }
    }

    /// <summary>
    /// Disconnects every restored qpair, as the generic layer does when the host is gone: the QP goes to ERR (its WRs
    /// flush back), the qpair drains and is destroyed. This is the path SPDK #3463 crashed in.
    /// </summary>
    public void DisconnectRestored()
    {
        foreach (var qpair in _qpairs.ToArray())
        {
            if (qpair.Restored && !qpair.Destroyed)
            {
                qpair.Qp?.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State);
                DisconnectQpair(qpair);
            }
        }
    }

    internal void AddRestoredQpair(RdmaQpair qpair) => _qpairs.Add(qpair);

    internal void NoteRestore(string note) => _restoreNotes.Add(note);

    internal IRdmaStack Stack => _stack;

    internal ICmEventChannel Channel => _channel!;

    internal IProtectionDomain Pd => _pd!;

    internal DeviceAttr Device => _deviceAttr;

    /// <summary>
    /// Gives a restored request the buffers and data WRs it held: <paramref name="numWrs"/> WRs as in the core (SPDK
    /// builds one per SGL descriptor, or more when SGEs run out), the data spread evenly over them.
    /// </summary>
    internal void RestoreBuffers(RdmaRequest req, RdmaQpair qpair, int numWrs)
    {
        var pool = qpair.Poller!.Buffers.Small; // a core does not say which pool: restored into small buffers
        Check.That(req.BufferCount == 0, InvariantNames.NoLeakOnDestroy, req, r => $"{r} already holds {r.BufferCount} buffers when its snapshot state is restored");
        Check.That(req.Wrs[1] == null, InvariantNames.NoLeakOnDestroy, req, r => $"{r} already holds pooled data WRs when its snapshot state is restored");
        var (wrs, buffers) = RestoredData(req.Length, numWrs, Options.IoUnitSize);
        if ((wrs > 1 && !_dataWrPool.TryTake(req, wrs)) || !pool.TryGet(req.Buffers.AsSpan(0, buffers)))
        {
            throw new InvalidOperationException($"{req}: the snapshot holds more data buffers or WRs than the pool has");
        }

        req.BufferCount = buffers;
        req.NumWrs = wrs;
        req.BufferLengths.AsSpan(0, buffers).Fill((uint)pool.BufferSize);
        var desc = req.Cmd.Dptr.IsKeyedDataBlock ? req.Cmd.Dptr : Nvme.SglDescriptor.Keyed(0, req.Length, 0);
        var opcode = req.Xfer == Nvme.NvmeDataTransfer.HostToController ? WrOpcode.RdmaRead : WrOpcode.RdmaWrite;
        var perWr = (buffers + wrs - 1) / wrs;
        var chunk = (uint)Math.Clamp((req.Length + buffers - 1) / buffers, 1, pool.BufferSize);
        var remaining = req.Length;
        ulong offset = 0;
        for (var w = 0; w < wrs; w++)
        {
            ref var wr = ref req.Wrs[w]!.Wr;
            wr = new SendWorkRequest { WrId = req.DataWrId, Opcode = opcode, Flags = opcode == WrOpcode.RdmaRead ? SendFlags.Signaled : SendFlags.None, Rkey = desc.Key, RemoteAddr = desc.Address + offset };
            for (var b = w * perWr; b < Math.Min(buffers, (w + 1) * perWr) && wr.NumSge < qpair.MaxSendSge; b++)
            {
                var len = Math.Min(remaining, chunk);
                wr.SgList[wr.NumSge++] = new Sge(pool.AddressOf(req.Buffers[b]), len, pool.Mr.Lkey);
                remaining -= len;
                offset += len;
            }
        }
    }

    /// <summary>
    /// The data WRs and buffers <see cref="RestoreBuffers"/> gives a request of <paramref name="length"/> bytes that
    /// held <paramref name="numWrs"/> WRs (the snapshot reader checks that the pools hold them all).
    /// </summary>
    internal static (int Wrs, int Buffers) RestoredData(uint length, int numWrs, int ioUnitSize)
    {
        var wrs = Math.Clamp(numWrs, 1, RdmaRequest.DataWrsMax);
        var buffers = (int)Math.Min(RdmaRequest.BuffersMax, Math.Max((length + (long)ioUnitSize - 1) / ioUnitSize, wrs));
        return (wrs, buffers);
    }

    internal void SubmitRestored(RdmaQpair qpair, ReadOnlySpan<SendWorkRequest> wrs)
    {
        if (!wrs.IsEmpty && qpair.Qp!.PostSend(wrs, out _) != Errno.Ok)
        {
            NoteRestore($"{qpair}: posting {wrs.Length} restored send WRs failed");
        }
    }
}
