using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.Sim.Scenarios;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// The <c>compare-and-write</c> step: a fused Compare (FIRST) and Write (SECOND), and the pair's oracle — the Write lands
/// iff the Compare matched, and a valid pair sent back to back is never failed as unpaired.
/// </summary>
internal sealed partial class CommandRun
{
    private void SubmitCompareAndWrite(int index, CompareAndWriteCommand f)
    {
        if (f.Qpair > _qpairs.Length)
        {
            _refused++;
            return;
        }

        var qpair = _qpairs[f.Qpair - 1];
        var bytes = f.Blocks * BlockModel.BlockBytes;
        var tag = (ulong)index + 1;
        var compare = _hostMachine.Memory.Allocate(bytes);
        var write = _hostMachine.Memory.Allocate(bytes);
        _buffers.Add(compare);
        _buffers.Add(write);
        var match = f.Match ?? true;
        var definite = FillCompare(compare.Span, f.Lba, f.Blocks, match ? null : tag);
        BlockModel.Fill(write.Span, f.Lba, tag);
        var part = f.Part ?? "pair";
        var first = new IssuedCommand(this, index, NvmeIoOpcode.Compare, f.Lba, f.Blocks, tag, compare)
        {
            Fuse = FusedOperation.First,
            Fused = f,
            MustMatch = match && definite,
        };
        var second = new IssuedCommand(this, index, NvmeIoOpcode.Write, f.Lba, f.Blocks, tag, write) { Fuse = FusedOperation.Second, Fused = f };
        if (part == "pair")
        {
            first.Pair = second;
            second.Pair = first;
        }

        foreach (var half in part switch { "first" => new[] { first }, "second" => new[] { second }, _ => new[] { first } })
        {
            var rc = TrySubmit(qpair, half);
            if (rc != Errno.Ok)
            {
                half.RefusedWith = rc;
                _refused++;
                return;
            }

            _issued.Add(half);
            if (half.Pair is { } other)
            {
                _issued.Add(other); // SubmitCompareAndWrite sent both
            }
        }

        if (part != "first")
        {
            _blocks.Submitted(f.Lba, f.Blocks, tag);
        }
    }

    /// <summary>
    /// Fills the Compare's data: what each block holds when only one write may be there (zeroes if none), or
    /// <paramref name="mismatchTag"/>'s data, which no block holds. True when every block had one possible content.
    /// </summary>
    private bool FillCompare(Span<byte> data, long lba, int blocks, ulong? mismatchTag)
    {
        if (mismatchTag is { } tag)
        {
            BlockModel.Fill(data, lba, tag);
            return true;
        }

        var definite = true;
        for (var b = 0; b < blocks; b++)
        {
            var block = data.Slice(b * BlockModel.BlockBytes, BlockModel.BlockBytes);
            var only = _blocks.OnlyCandidate(lba + b);
            definite &= only != null;
            if (only is null or 0)
            {
                block.Clear();
            }
            else
            {
                BlockModel.Fill(block, lba + b, only.Value);
            }
        }

        return definite;
    }

    /// <summary>Submits a FIRST (with its SECOND when it has one, back to back) or a lone SECOND.</summary>
    private int SubmitFusedHalf(NvmeRdmaQpair qpair, IssuedCommand c, NvmeCompletionCallback done)
    {
        var f = c.Fused!;
        if (c.Fuse == FusedOperation.First && f.FirstSgl == "too-long")
        {
            // A keyed SGL one block longer than the target's max I/O size: refused at NEW, before any data moves.
            var rc = Controller.MemoryMap!.Translate(c.Buffer, c.Buffer.Address, (ulong)c.Buffer.Length, out _, out var rkey);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            var cmd = new ReadWriteCommand { Opcode = NvmeIoOpcode.Compare, Nsid = 1, Slba = (ulong)c.Lba, Nlb = (ushort)(c.Blocks - 1) }.ToCommand();
            cmd.Fuse = FusedOperation.First;
            var sgl = SglDescriptor.Keyed(c.Buffer.Address, (uint)(Transport.Options.MaxIoSize + BlockModel.BlockBytes), rkey);
            rc = qpair.SubmitWithSgl(cmd, sgl, c.Buffer, 0, done, null);
            return rc != Errno.Ok || c.Pair is not { } paired
                ? rc
                : qpair.SubmitFused(NvmeIoOpcode.Write, FusedOperation.Second, 1, (ulong)c.Lba, c.Blocks, paired.Buffer, 0, paired.Done, null);
        }

        if (c.Fuse == FusedOperation.First && c.Pair is { } second)
        {
            return qpair.SubmitCompareAndWrite(1, (ulong)c.Lba, c.Blocks, c.Buffer, 0, second.Buffer, 0, done, second.Done, null);
        }

        var opcode = c.Fuse == FusedOperation.First ? NvmeIoOpcode.Compare : NvmeIoOpcode.Write;
        return qpair.SubmitFused(opcode, c.Fuse, 1, (ulong)c.Lba, c.Blocks, c.Buffer, 0, done, null);
    }

    /// <summary>Both halves of a pair completed: <see cref="FusedPairOracle"/> judges them.</summary>
    private static void CheckFusedPair(IssuedCommand first, IssuedCommand second)
    {
        var what = string.Create(CultureInfo.InvariantCulture, $"compare-and-write {first.Index} (LBA {first.Lba}, {first.Blocks} blocks)");
        var expected = first.MustMatch ? true : first.Fused!.Match == false ? false : (bool?)null;
        var verdict = FusedPairOracle.Judge(first.Completion!.Value.Status, second.Completion!.Value.Status, first.Fused!.FirstSgl == null, expected);
        if (verdict is { } v)
        {
            throw new InvariantViolationException(v.Invariant, $"{what}: {v.Message}");
        }
    }
}
