using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// RDMA WRITE and READ move exactly the bytes the WR describes: the target range of the remote MR (or the local SGEs)
/// receives them, and no byte outside it changes, on either host: not the rest of the MR, not the memory around it.
/// </summary>
public sealed class RdmaDataPlacementTests
{
    private const int SgeSlot = 16 * 1024;

    [HarnessProperty(MaxTest = 100)]
    public Property Write_and_read_touch_exactly_the_target_range()
    {
        var gen =
            from mrOffset in Gen.Choose(0, 32 * 1024)
            from mrLength in Gen.Choose(1, 32 * 1024)
            from targetOffset in Gen.Choose(0, mrLength - 1)
            from length in Gen.Choose(1, Math.Min(8192, mrLength - targetOffset))
            from pieces in Gen.Choose(1, Math.Min(4, length))
            from cuts in Gen.ArrayOf(Gen.Choose(1, Math.Max(1, length - 1)), pieces - 1)
            from slotOffsets in Gen.ArrayOf(Gen.Choose(0, SgeSlot - 8192), pieces)
            from isRead in Gen.Elements(true, false)
            from seed in Gen.Choose(1, int.MaxValue)
            select new Case(mrOffset, mrLength, targetOffset, length, Split(length, cuts), slotOffsets, isRead, seed);
        return Prop.ForAll(Arb.From(gen), Check);
    }

    [Theory]
    [InlineData(false, 0, 1)]
    [InlineData(false, 8191, 1)]
    [InlineData(true, 0, 8192)]
    [InlineData(true, 8191, 1)]
    public void Transfer_at_the_edges_of_the_mr_stays_inside(bool isRead, int targetOffset, int length)
    {
        Check(new Case(4096, 8192, targetOffset, length, new[] { length }, new[] { 100 }, isRead, 42));
    }

    private static void Check(Case k)
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;

        // The remote MR covers only part of the server buffer, so "outside the MR" is memory the test can watch.
        var access = AccessFlags.LocalWrite | AccessFlags.RemoteWrite | AccessFlags.RemoteRead;
        ConnectedPair.Check(s.Pd.RegMr(s.Buffer, s.Buffer.Address + (ulong)k.MrOffset, (ulong)k.MrLength, access, out var mr), "server reg_mr");

        var random = new Random(k.Seed);
        random.NextBytes(s.Buffer.Span);
        random.NextBytes(c.Buffer.Span);
        var serverBefore = s.Buffer.Span.ToArray();
        var clientBefore = c.Buffer.Span.ToArray();

        var wr = new SendWorkRequest
        {
            WrId = 1,
            Opcode = k.IsRead ? WrOpcode.RdmaRead : WrOpcode.RdmaWrite,
            Flags = SendFlags.Signaled,
            NumSge = k.Pieces.Length,
            RemoteAddr = mr!.Addr + (ulong)k.TargetOffset,
            Rkey = mr.Rkey,
        };
        var localOffsets = new int[k.Pieces.Length];
        for (var i = 0; i < k.Pieces.Length; i++)
        {
            localOffsets[i] = (i * SgeSlot) + k.SlotOffsets[i];
            wr.SgList[i] = c.Sge(localOffsets[i], k.Pieces[i]);
        }

        ConnectedPair.Check(c.Qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _), "post_send");
        var wcs = pair.PollUntil((cl, _) => cl.Count > 0, what: "the transfer's completion").Client;
        Assert.True(wcs[0].Status == WcStatus.Success, $"{k}: completed {wcs[0].Status.ToIbvName()}");
        if (k.IsRead)
        {
            Assert.True(wcs[0].ByteLen == (uint)k.Length, $"{k}: READ completion byte_len {wcs[0].ByteLen}");
        }

        // Expected images: the gathered source bytes scattered into the destination, everything else as before.
        var serverExpected = (byte[])serverBefore.Clone();
        var clientExpected = (byte[])clientBefore.Clone();
        var remote = k.MrOffset + k.TargetOffset;
        var done = 0;
        for (var i = 0; i < k.Pieces.Length; i++)
        {
            if (k.IsRead)
            {
                Array.Copy(serverBefore, remote + done, clientExpected, localOffsets[i], k.Pieces[i]);
            }
            else
            {
                Array.Copy(clientBefore, localOffsets[i], serverExpected, remote + done, k.Pieces[i]);
            }

            done += k.Pieces[i];
        }

        AssertSame(serverExpected, s.Buffer.Span, $"server buffer after {k}");
        AssertSame(clientExpected, c.Buffer.Span, $"client buffer after {k}");
    }

    private static void AssertSame(byte[] expected, ReadOnlySpan<byte> actual, string what)
    {
        var mismatch = expected.AsSpan().CommonPrefixLength(actual);
        if (mismatch < expected.Length)
        {
            var last = expected.Length - 1;
            while (expected[last] == actual[last])
            {
                last--;
            }

            Assert.Fail($"{what}: bytes differ from offset {mismatch} to {last}");
        }
    }

    private static int[] Split(int length, int[] cuts)
    {
        var points = cuts.Distinct().Order().Prepend(0).Append(length).ToArray();
        return points.Zip(points.Skip(1), (a, b) => b - a).Where(n => n > 0).ToArray();
    }

    public sealed record Case(int MrOffset, int MrLength, int TargetOffset, int Length, int[] Pieces, int[] SlotOffsets, bool IsRead, int Seed)
    {
        public override string ToString() =>
            $"{(IsRead ? "READ" : "WRITE")} of {Length} bytes at MR+{TargetOffset} (MR = buffer[{MrOffset}, +{MrLength})), local SGEs [{string.Join(", ", Pieces)}]";
    }
}
