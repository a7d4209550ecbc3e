using System.Globalization;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>Issuing I/Os and checking each completion against the model.</summary>
public sealed partial class NvmfWorkload
{
    /// <summary>Byte a read's data slot is filled with before the read, so a read that moved no data cannot pass.</summary>
    private const byte ReadPoison = 0xA5;

    /// <inheritdoc/>
    public void OnIoCompleted(int qpair, ulong tag, in NvmeCompletion completion)
    {
        if (InFlight(qpair, tag, pair: null) is not { } load)
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion,
                string.Create(CultureInfo.InvariantCulture, $"host: a completion for command {tag} on qpair {qpair}, which is not in flight: {completion}"));
            return;
        }

        var slot = (int)tag;
        var io = load.Ios[slot];
        _lastProgressNs = _host.Clock.NowNs;
        if (completion.Status.IsSuccess)
        {
            OnSuccess(load, slot, io);
        }
        else
        {
            OnFailure(io, completion.Status);
        }

        load.ReturnSlot(slot);
    }

    /// <summary>
    /// The qpair whose slot <paramref name="tag"/> holds an I/O in flight (a compare-and-write pair only, when
    /// <paramref name="pair"/> is true; any, when null), or null.
    /// </summary>
    private QpairLoad? InFlight(int qpair, ulong tag, bool? pair)
    {
        var load = (uint)qpair < (uint)_loads.Length ? _loads[qpair] : null;
        if (load == null || tag >= (ulong)load.Ios.Length)
        {
            return null;
        }

        ref readonly var io = ref load.Ios[(int)tag];
        return io.Opcode != 0 && (pair == null || io.CompareAndWrite == pair) ? load : null;
    }

    /// <summary>Issues I/Os on one qpair up to its queue depth and share; writes off the share of a qpair the driver gave up.</summary>
    private int PollSubmit(QpairLoad load)
    {
        if (_monitor.Broken || _shutdownStarted)
        {
            return 0;
        }

        var work = _model.ReleaseQuarantined(_host.Clock.NowNs);
        var status = Driver.GetQpairStatus(load.Index);
        if (status == NvmeQpairStatus.GaveUp)
        {
            if (!load.WrittenOff)
            {
                load.WrittenOff = true;
                Stats.NotIssued += load.Quota - load.Issued;
                work++;
            }

            return work;
        }

        if (status != NvmeQpairStatus.Ready)
        {
            return work;
        }

        while (load.Issued < load.Quota && load.InFlight < _o.QueueDepth && load.HasFreeSlot && TryIssue(load))
        {
            work++;
        }

        return work;
    }

    private bool TryIssue(QpairLoad load)
    {
        var read = _random.Chance(_o.ReadFraction);
        var large = _o.LargeIoBytes > 0 && _random.Chance(_o.LargeIoFraction) && (!read || _o.ReadFits(_o.LargeIoBytes));
        var bytes = large ? _o.LargeIoBytes : _o.IoSize;
        var extent = _model.Acquire(_random.NextInt(_model.Extents));
        if (extent < 0)
        {
            return false;
        }

        var slot = load.TakeSlot();
        ref var io = ref load.Ios[slot];
        io.Opcode = read ? NvmeIoOpcode.Read : NvmeIoOpcode.Write;
        io.Extent = extent;
        io.Block = _model.FirstBlock(extent);
        io.Blocks = bytes / NvmfWorkloadOptions.BlockBytes;
        io.Seed = read ? 0 : _random.NextUInt64() | 1;
        var data = load.SlotSpan(slot, bytes);
        if (read)
        {
            data.Fill(ReadPoison);
        }
        else
        {
            LbaModel.Fill(data, io.Block, io.Blocks, io.Seed);
        }

        var iovecs = large && _o.LargeIoIovecs > 0 ? _o.LargeIoIovecs : _o.IovecsMax > 1 ? 1 + _random.Iovecs.NextInt(_o.IovecsMax) : 1;
        var nvmeIo = new NvmeIo(io.Opcode, (ulong)io.Block, io.Blocks, load.Data, slot * load.SlotBytes, bytes, (ulong)slot) { Iovecs = iovecs };
        if (!read && !large && _random.Chance(_o.CompareAndWriteFraction) && _model.AllKnown(io.Block, io.Blocks) && load.RequestsInUse + PairRequests <= _o.HostQueueEntries)
        {
            nvmeIo = PrepareCompareAndWrite(load, slot, ref io, nvmeIo);
        }

        var rc = Driver.Submit(load.Index, nvmeIo);
        if (rc != Errno.Ok)
        {
            load.ReturnSlot(slot);
            _model.Release(extent);
            if (rc is not (Errno.EAGAIN or Errno.ENOTCONN))
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"host: the driver refused a {bytes}-byte I/O on qpair {load.Index}: {Errno.Name(rc)}");
            }

            return false;
        }

        load.Issued++;
        if (io.CompareAndWrite)
        {
            load.PairsInFlight++;
            Stats.CompareAndWrites++;
            Stats.CompareMismatches += io.ExpectMatch ? 0 : 1;
        }

        if (read)
        {
            Stats.Reads++;
        }
        else
        {
            Stats.Writes++;
        }

        return true;
    }

    private void OnSuccess(QpairLoad load, int slot, in InFlightIo io)
    {
        Stats.Completed++;
        if (io.Opcode == NvmeIoOpcode.Write)
        {
            _model.Written(io.Block, io.Blocks, io.Seed);
            _model.Release(io.Extent);
            return;
        }

        var unverifiable = _model.UnverifiableBlocks;
        var mismatch = _model.Verify(io.Block, io.Blocks, load.SlotSpan(slot, io.Blocks * NvmfWorkloadOptions.BlockBytes), out var verified);
        Stats.VerifiedBytes += verified;
        Stats.UnverifiableBlocks += _model.UnverifiableBlocks - unverifiable;
        _model.Release(io.Extent);
        if (mismatch != null)
        {
            _monitor.Report(WorkloadMonitor.DataVerification, string.Create(CultureInfo.InvariantCulture,
                $"qpair {load.Index + 1}: a Read of LBA {io.Block}..{io.Block + io.Blocks - 1} completed successfully but {mismatch} (data read back differs from data written)"));
        }
    }

    private void OnFailure(in InFlightIo io, NvmeStatus status)
    {
        CountFailure(status);
        CheckStatusExplained(io, status); // NvmfWorkload.Statuses.cs
        if (io.Opcode == NvmeIoOpcode.Write)
        {
            _model.WriteFailed(io.Block, io.Blocks, io.Seed);
            _model.Quarantine(io.Extent, _host.Clock.NowNs + _o.QuarantineNs);
        }
        else
        {
            _model.Release(io.Extent);
        }
    }

    private void CountFailure(NvmeStatus status)
    {
        if (status.HasSameCode(NvmeStatus.AbortedSqDeletion))
        {
            Stats.FailedInFlight++;
        }
        else
        {
            Stats.FailedStatus++;
            var text = status.WithDnr(false).WithMore(false).ToString();
            Stats.FailedStatuses[text] = Stats.FailedStatuses.GetValueOrDefault(text) + 1;
        }
    }
}
