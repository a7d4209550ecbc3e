using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.Sim.Faults;
using Harness.Sim.Scenarios;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>The steps of a command list, the end-of-run checks and the teardown.</summary>
internal sealed partial class CommandRun
{
    /// <summary>Virtual time a submission waits for a free slot on a full qpair before it is given up.</summary>
    public const long SlotWaitLimitNs = 10_000_000_000;

    /// <summary>Byte a read's buffer is filled with first, so a read that moved no data cannot pass.</summary>
    private const byte ReadPoison = 0xA5;

    private void Execute(int index, ScenarioCommand command)
    {
        switch (command)
        {
            case WriteCommand w:
                Submit(index, NvmeIoOpcode.Write, w.Qpair, w.Lba, w.Blocks, iovecs: w.Iovecs ?? 1);
                break;
            case ReadCommand r:
                Submit(index, NvmeIoOpcode.Read, r.Qpair, r.Lba, r.Blocks, iovecs: r.Iovecs ?? 1);
                break;
            case SglIoCommand m:
                Submit(index, m is SglReadCommand ? NvmeIoOpcode.Read : NvmeIoOpcode.Write, m.Qpair, m.Lba, m.Blocks, m);
                break;
            case CompareAndWriteCommand f:
                SubmitCompareAndWrite(index, f); // CommandRun.Fused.cs
                break;
            case WaitCommand w:
                RunFor(w.Ns);
                break;
            case SettleCommand:
                Settle();
                break;
            case ResetCommand:
                Controller.Reset();
                break;
            case DeleteControllerCommand:
                DeleteController();
                break;
            case ReconnectCommand c:
                if (c.Qpair <= _qpairs.Length)
                {
                    _qpairs[c.Qpair - 1].Reconnect();
                }

                break;
            default:
                Inject(command);
                break;
        }
    }

    /// <summary>A fault step: fired now, and everything due at this instant (the fault included) runs before the next step.</summary>
    private void Inject(ScenarioCommand command)
    {
        ScriptedFault fault = command switch
        {
            ForceQpErrorCommand f => new ForceQpErrorFault(ScenarioNames.ParseQp(f.Qp), 0),
            DisconnectCommand d => new DisconnectFault(ScenarioNames.ParseQp(d.Qp), 0),
            AsyncEventCommand a => new AsyncEventFault(ScenarioNames.ParseQp(a.Qp), ScenarioNames.ParseAsyncEvent(a.Event), 0),
            DeviceRemovalCommand d => new DeviceRemovalFault(d.Host, 0),
            AddrChangeCommand a => new AddrChangeFault(a.Host, 0),
            PortFlapCommand p => new PortFlapFault(p.Host, 0, p.DownNs),
            _ => throw new ArgumentException($"no step for {command}", nameof(command)),
        };
        _fabric.Inject(fault);
        RunFor(0);
    }

    private void Submit(int index, NvmeIoOpcode opcode, int qpairNumber, long lba, int blocks, SglIoCommand? sgl = null, int iovecs = 1)
    {
        if (qpairNumber > _qpairs.Length)
        {
            _refused++;
            return;
        }

        var qpair = _qpairs[qpairNumber - 1];
        var bytes = blocks * BlockModel.BlockBytes;
        var buffer = _hostMachine.Memory.Allocate(bytes);
        _buffers.Add(buffer);
        var tag = (ulong)index + 1;
        if (opcode == NvmeIoOpcode.Write)
        {
            BlockModel.Fill(buffer.Span, lba, tag);
        }
        else
        {
            buffer.Span.Fill(ReadPoison);
        }

        var issued = new IssuedCommand(this, index, opcode, lba, blocks, tag, buffer) { Sgl = sgl, Iovecs = iovecs };
        var rc = TrySubmit(qpair, issued);
        if (rc != Errno.Ok)
        {
            issued.RefusedWith = rc;
            _refused++;
            return;
        }

        _issued.Add(issued);
        if (opcode == NvmeIoOpcode.Write)
        {
            _blocks.Submitted(lba, blocks, tag);
        }
        else
        {
            issued.Read = _blocks.ReadSubmitted(lba, blocks);
        }
    }

    private int TrySubmit(NvmeRdmaQpair qpair, IssuedCommand c)
    {
        var rc = c.SubmitOn(qpair);
        if (rc == Errno.EAGAIN)
        {
            RunUntil(() => qpair.Outstanding < qpair.NumEntries || qpair.State != NvmeRdmaQpairState.Running, SlotWaitLimitNs, $"a free slot on {qpair}");
            rc = c.SubmitOn(qpair);
        }

        return rc;
    }

    private void OnCompleted(IssuedCommand c, in NvmeCompletion completion)
    {
        // A refused submission is the command's one answer: the caller has given the command up (SPDK frees it), so a
        // completion now is a callback on a freed request.
        if (c.RefusedWith is { } rc)
        {
            throw new InvariantViolationException(InvariantNames.CompletesOnce,
                $"command {c.Index} ({c.Opcode} of {c.Blocks} blocks at LBA {c.Lba}) completed ({completion}) after its submission was refused ({Errno.Name(rc)})");
        }

        if (c.Completion is { } first)
        {
            throw new InvariantViolationException(InvariantNames.CompletesOnce,
                $"command {c.Index} ({c.Opcode} of {c.Blocks} blocks at LBA {c.Lba}) completed twice: {first}, then {completion}");
        }

        c.Completion = completion;
        if (c.Pair is { Completion: not null } && c.Fuse != FusedOperation.None)
        {
            CheckFusedPair(c.Fuse == FusedOperation.First ? c : c.Pair, c.Fuse == FusedOperation.First ? c.Pair : c);
        }

        if (!completion.Status.IsSuccess)
        {
            if (c.Read != null)
            {
                _blocks.Close(c.Read);
            }

            return;
        }

        if (c.Opcode == NvmeIoOpcode.Write)
        {
            _blocks.Succeeded(c.Lba, c.Blocks, c.Tag);
            return;
        }

        if (c.Opcode == NvmeIoOpcode.Compare)
        {
            return; // its data went to the target, nothing came back
        }

        if (_blocks.Verify(c.Read!, c.Buffer.Span) is { } mismatch)
        {
            throw new InvariantViolationException(ScenarioInvariants.DataVerification,
                $"command {c.Index}: a Read of LBA {c.Lba}..{c.Lba + c.Blocks - 1} completed successfully but {mismatch}");
        }
    }

    /// <summary>
    /// Builds an <c>sgl-write</c> / <c>sgl-read</c>'s SGL and the bytes its capsule carries after the command (a list of keyed
    /// descriptors splitting <paramref name="payload"/> evenly, at the command's offset; or the payload itself as
    /// in-capsule data) and submits it as it is.
    /// </summary>
    private int SubmitWithSgl(NvmeRdmaQpair qpair, SglIoCommand m, NvmeIoOpcode opcode, DmaBuffer payload, NvmeCompletionCallback done)
    {
        var inCapsule = m.Sgl == "in-capsule";
        var named = inCapsule ? (int)m.Offset + payload.Length : (int)m.Offset + (m.Descriptors * SglDescriptor.Size);
        var sent = m.SentBytes ?? named;
        var capsule = _hostMachine.Memory.Allocate(Math.Max(1, Math.Max(sent, named)));
        _buffers.Add(capsule);
        capsule.Span.Clear();
        SglDescriptor dptr;
        if (inCapsule)
        {
            payload.Span.CopyTo(capsule.Span[(int)m.Offset..]);
            dptr = SglDescriptor.InCapsule((uint)m.Offset, (uint)payload.Length);
        }
        else
        {
            var rc = Controller.MemoryMap!.Translate(payload, payload.Address, (ulong)payload.Length, out _, out var rkey);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            var chunk = payload.Length / Math.Max(1, m.Descriptors);
            for (var i = 0; i < m.Descriptors; i++)
            {
                var length = i == m.Descriptors - 1 ? payload.Length - (i * chunk) : chunk;
                SglDescriptor.Keyed(payload.Address + (ulong)(i * chunk), (uint)length, rkey).Encode(capsule.Span[((int)m.Offset + (i * SglDescriptor.Size))..]);
            }

            dptr = m.Descriptors == 0
                ? SglDescriptor.Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, (ulong)m.Offset, SglDescriptor.Size / 2)
                : SglDescriptor.LastSegmentInCapsule((uint)m.Offset, m.Descriptors);
        }

        var cmd = new ReadWriteCommand { Opcode = opcode, Nsid = 1, Slba = (ulong)m.Lba, Nlb = (ushort)(m.Blocks - 1) }.ToCommand();
        return qpair.SubmitWithSgl(cmd, dptr, capsule, sent, done, null);
    }

    /// <summary>Runs until every submitted command has completed (success, NVMe error or aborted with its qpair).</summary>
    private void Settle() => RunUntil(() => _issued.TrueForAll(c => c.Completion != null), SettleLimitNs, "every submitted command to complete");

    private void CheckEveryCommandCompleted()
    {
        foreach (var c in _issued)
        {
            Check.That(c.Completion != null, ScenarioInvariants.LostCompletion, c, x => $"command {x.Index} ({x.Opcode} at LBA {x.Lba}) never completed");
        }
    }

    /// <summary>The host deletes the controller now and the run waits until the deletion finished (bounded).</summary>
    private void DeleteController()
    {
        Controller.Delete();
        RunUntil(() => Controller.State == ControllerState.Deleted, TeardownLimitNs, "the controller deletion on the host");
    }

    /// <summary>Deletes the controller (unless a step did); the target must then destroy everything and both sides hold nothing more.</summary>
    private void Teardown()
    {
        if (Controller.State != ControllerState.Deleted)
        {
            DeleteController();
        }

        foreach (var group in _groups)
        {
            group.Dispose();
        }

        _buffers.ForEach(b => _hostMachine.Memory.Free(b));
        _buffers.Clear();
        RunUntil(() => Transport.Qpairs.All(q => q.Destroyed) && Nvmf.Controllers.Count == 0, TeardownLimitNs,
            "the target to destroy every qpair and controller");
        var pool = Transport.Buffers!;
        Check.That(pool.Available == pool.Count, ScenarioInvariants.ResourceLeak, pool, p => $"target: {p.Count - p.Available} of {p.Count} data buffers not returned");
        var wrs = Transport.DataWrs;
        Check.That(wrs.Available == wrs.Capacity, ScenarioInvariants.ResourceLeak, wrs, w => $"target: {w.Capacity - w.Available} of {w.Capacity} data WRs not returned");
        var leak = SimLeakCheck.Find(_fabric, _baseline);
        Check.That(leak == null, ScenarioInvariants.ResourceLeak, leak, l => $"after teardown: {l}");
    }

    /// <summary>One submitted command and its completion.</summary>
    private sealed class IssuedCommand(CommandRun run, int index, NvmeIoOpcode opcode, long lba, int blocks, ulong tag, DmaBuffer buffer)
    {
        public int Index => index;

        public NvmeIoOpcode Opcode => opcode;

        public long Lba => lba;

        public int Blocks => blocks;

        public ulong Tag => tag;

        public DmaBuffer Buffer => buffer;

        public NvmeCompletion? Completion { get; set; }

        /// <summary>The errno its submission returned, if it was refused.</summary>
        public int? RefusedWith { get; set; }

        /// <summary>For a read: what each block may return.</summary>
        public BlockModel.OpenRead? Read { get; set; }

        /// <summary>The SGL a scenario's <c>sgl-write</c> / <c>sgl-read</c> spells out, or null (the host builds it).</summary>
        public SglIoCommand? Sgl { get; init; }

        /// <summary>Iovecs of the payload: above 1, the host sends a descriptor list (<c>iovecs</c> of write/read).</summary>
        public int Iovecs { get; init; } = 1;

        /// <summary>FIRST (a Compare) or SECOND (a Write) of a <c>compare-and-write</c>; None otherwise.</summary>
        public FusedOperation Fuse { get; init; }

        /// <summary>The other half of a <c>compare-and-write</c> (null otherwise).</summary>
        public IssuedCommand? Pair { get; set; }

        /// <summary>The <c>compare-and-write</c> step this half belongs to (null otherwise).</summary>
        public CompareAndWriteCommand? Fused { get; init; }

        /// <summary>For a FIRST: the Compare's data is exactly what every block held when it was submitted (nothing else in flight).</summary>
        public bool MustMatch { get; init; }

        public int SubmitOn(NvmeRdmaQpair qpair)
        {
            if (Fuse != FusedOperation.None)
            {
                return run.SubmitFusedHalf(qpair, this, Done);
            }

            if (Sgl is { } m)
            {
                return run.SubmitWithSgl(qpair, m, opcode, buffer, Done);
            }

            // As the workload's driver: SPDK's NVMe layer hands the transport at most max_sges iovecs (it splits a request
            // with more), so a target without in-capsule room for the list gets one keyed descriptor.
            var iovecs = Math.Clamp(Iovecs, 1, Math.Min(qpair.MaxSges, blocks));
            return opcode == NvmeIoOpcode.Write
                ? qpair.SubmitWritev(1, (ulong)lba, blocks, buffer, 0, iovecs, Done, null)
                : qpair.SubmitReadv(1, (ulong)lba, blocks, buffer, 0, iovecs, Done, null);
        }

        public void Done(object? context, in NvmeCompletion completion) => run.OnCompleted(this, completion);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"command {index}");
    }
}
