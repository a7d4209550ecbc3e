using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// A hostile host: random and mutated capsules (bad opcodes, SGL types, lengths past the 3-byte limit or the buffer,
/// bad in-capsule offsets and descriptor lists, truncated capsules, wrong keys, addresses outside the host's memory)
/// and random CM private data. The target must answer each capsule with an NVMe completion (or, for what only the NIC
/// can catch — a wrong key or address — lose the connection), reject bad connects, never let an exception escape a
/// poller, keep every invariant after every event, and go on serving well-formed I/O.
/// </summary>
public sealed class HostileHostTests
{
    /// <summary>Cases per run; each sends <see cref="CapsulesPerCase"/> capsules (CI total: 20 × 5,000 = 100,000).</summary>
    public const int Cases = 20;
    public const int CapsulesPerCase = 5_000;
    public const int Depth = 32;

    /// <summary>Capsules that only the NIC can reject (they cost the connection), kept rare.</summary>
    private const int ConnectionKillersPerCaseMax = 2;

    [HarnessProperty(MaxTest = Cases, Arbitrary = new[] { typeof(SeedArbitrary) })]
    public void Every_hostile_capsule_gets_an_answer_and_the_target_keeps_serving(ulong seed)
    {
        var random = new DeterministicRandom(seed);
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 512, IoUnitSize = 4096, MaxSendSge = 4, MaxIoSize = 65536 },
            new SimOptions { Seed = seed });
        var stats = new HostileStats();
        HostileConnects(bed, random, stats);
        var host = NewHost(bed, stats);
        var killers = 0;
        for (var sent = 0; sent < CapsulesPerCase;)
        {
            var batch = Math.Min(Depth, CapsulesPerCase - sent);
            var cids = new List<ushort>(batch);
            for (var i = 0; i < batch; i++, sent++)
            {
                var cid = (ushort)(sent + 1);
                var killer = killers < ConnectionKillersPerCaseMax && random.Chance(1.0 / 1000);
                killers += killer ? 1 : 0;
                var capsule = HostileCapsule(random, host, cid, killer);
                if (i == batch - 1 && capsule.Length >= 2)
                {
                    capsule[1] &= 0xFC; // a FIRST waits for the next command (SPDK HEAD): the batch's last one is not fused
                }

                Assert.Equal(Errno.Ok, host.SendCapsule(cid % Depth, capsule));
                cids.Add(cid);
            }

            if (!AwaitAnswers(bed, host, cids, stats))
            {
                stats.Deaths++;
                host = NewHost(bed, stats); // the NIC killed the connection (wrong key or address): reconnect
            }
        }

        // Every capsule is answered, or lost with a connection that died because the NIC refused an RDMA access
        // (a key or address only the NIC can check): the target logged that error for each death.
        var accessErrors = bed.Log.Count(l => l.Contains("status: (10): remote access error", StringComparison.Ordinal));
        Assert.Equal(CapsulesPerCase, stats.Answered + stats.LostWithConnection);
        Assert.True(stats.LostWithConnection <= stats.Deaths * Depth, $"{stats.LostWithConnection} capsules lost with {stats.Deaths} dead connections");
        Assert.True(stats.Deaths <= accessErrors, $"{stats.Deaths} connections died but only {accessErrors} remote access errors were logged");
        Assert.True(stats.Answered >= CapsulesPerCase / 2, $"only {stats.Answered} of {CapsulesPerCase} capsules answered");
        Assert.True(stats.Errors > 0, "no capsule was answered with an NVMe error: the generator is not hostile");
        WellFormedIoStillWorks(bed);
    }

    private static RawHost NewHost(TargetBed bed, HostileStats stats)
    {
        var host = bed.AddHost($"hostile{stats.Connections++}", Depth, slotBytes: 65_536);
        bed.Connect(host, qid: 1);
        return host;
    }

    /// <summary>Runs until every capsule of the batch is answered, or the connection died (false).</summary>
    private static bool AwaitAnswers(TargetBed bed, RawHost host, List<ushort> cids, HostileStats stats)
    {
        bed.RunUntil(() =>
        {
            host.PollCq();
            host.PollCm();
            return host.CmEvents.Contains(CmEventType.Disconnected) || cids.TrueForAll(c => host.Responses.ContainsKey(c));
        }, "answers to hostile capsules", limitNs: 10_000_000_000);
        var answered = cids.Count(c => host.Responses.ContainsKey(c));
        stats.Answered += answered;
        stats.LostWithConnection += cids.Count - answered;
        stats.Errors += cids.Count(c => host.Responses.TryGetValue(c, out var r) && r.Status.IsError);
        return !host.CmEvents.Contains(CmEventType.Disconnected);
    }

    /// <summary>One hostile capsule with CID <paramref name="cid"/> (bytes 2..3) so its answer can be matched.</summary>
    private static byte[] HostileCapsule(DeterministicRandom r, RawHost host, ushort cid, bool killer)
    {
        var kind = killer ? 10 + r.NextInt(2) : r.NextInt(10);
        var icdLength = r.Chance(0.3) ? r.NextInt(RawHost.IcdBytesMax + 1) : 0;
        var capsule = new byte[Math.Min(64 + icdLength, 64 + 4096)];
        var slotLength = (uint)(4096 * (1 + r.NextInt(16)));
        var valid = new ReadWriteCommand
        {
            Opcode = r.Chance(0.5) ? NvmeIoOpcode.Write : NvmeIoOpcode.Read,
            Cid = cid,
            Nsid = 1,
            Slba = (ulong)r.NextInt(1000),
            Nlb = (ushort)((slotLength / 4096) - 1),
            Dptr = host.Keyed(cid % Depth, slotLength),
        }.ToCommand();
        valid.Encode(capsule);
        Mutate(r, kind, capsule, host, cid);
        BinaryPrimitives.WriteUInt16LittleEndian(capsule.AsSpan(2), cid);
        return kind == 9 ? capsule[..(4 + r.NextInt(60))] : capsule; // 9: truncated (always keeps the CID)
    }

    private static void Mutate(DeterministicRandom r, int kind, byte[] c, RawHost host, ushort cid)
    {
        switch (kind)
        {
            case 0: Fill(r, c.AsSpan(0, 64)); break; // anything at all
            case 1: c[r.NextInt(64)] ^= (byte)(1 + r.NextInt(255)); break; // one byte flipped
            case 2: c[0] = (byte)r.NextInt(256); break; // any opcode
            case 3: c[39] = (byte)r.NextInt(256); break; // any SGL type/subtype
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(32), 0xFF000000u | (uint)r.NextInt(1 << 24)); c[39] = 0x40; break; // keyed length near 16 MiB
            case 5: InCapsule(r, c); break;
            case 6: DescriptorList(r, c, host, cid); break;
            case 7: c[0] = 0x7F; c[4] = (byte)r.NextInt(256); break; // fabrics command, any fctype
            case 8: BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), (uint)r.NextInt(5)); break; // any namespace
            case 9: break; // truncated by the caller
            case 10: BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(35), host.DataMr.Rkey ^ (uint)(1 + r.NextInt(int.MaxValue))); break; // wrong key
            default: BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(24), host.Data.Address + (ulong)host.Data.Length + (ulong)r.NextInt(1 << 20)); break; // past the MR
        }
    }

    private static void InCapsule(DeterministicRandom r, byte[] c)
    {
        c[0] = (byte)NvmeIoOpcode.Write;
        SglDescriptor.InCapsule((uint)r.NextInt(10_000), (uint)r.NextInt(10_000)).Encode(c.AsSpan(24));
    }

    private static void DescriptorList(DeterministicRandom r, byte[] c, RawHost host, ushort cid)
    {
        var count = r.NextInt(20);
        SglDescriptor.Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, (ulong)r.NextInt(64), (uint)(count * 16 + r.NextInt(2) * r.NextInt(16)))
            .Encode(c.AsSpan(24));
        for (var i = 0; 64 + ((i + 1) * 16) <= c.Length && i < count; i++)
        {
            host.Keyed(cid % Depth, (uint)r.NextInt(70_000)).Encode(c.AsSpan(64 + (i * 16)));
            if (r.Chance(0.2))
            {
                c[64 + (i * 16) + 15] = (byte)r.NextInt(256);
            }
        }
    }

    private static void Fill(DeterministicRandom r, Span<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)r.NextInt(256);
        }
    }

    /// <summary>Random CM private data: each connect is rejected or accepted, never crashes the acceptor.</summary>
    private static void HostileConnects(TargetBed bed, DeterministicRandom r, HostileStats stats)
    {
        for (var i = 0; i < 8; i++)
        {
            var data = new byte[r.NextInt(48)];
            Fill(r, data);
            if (r.Chance(0.5) && data.Length >= 8)
            {
                data[0] = 0;
                data[1] = 0; // valid recfmt, random sizes
            }

            var host = bed.AddHost($"cm{stats.Connections++}", 4, slotBytes: 4096);
            host.Connect(bed.Address, data, initiatorDepth: 0, responderResources: (byte)r.NextInt(3));
            bed.RunUntil(() => host.PollCm() is CmEventType.Rejected or CmEventType.Established ||
                host.CmEvents.Contains(CmEventType.Rejected) || host.CmEvents.Contains(CmEventType.Established), "connect outcome");
        }
    }

    private static void WellFormedIoStillWorks(TargetBed bed)
    {
        var host = bed.AddHost("after", 4);
        bed.Connect(host, qid: 1);
        host.Slot(1, 8192).Fill(0xC3);
        Assert.Equal(0, host.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 1, Nsid = 1, Slba = 5000, Nlb = 1, Dptr = host.Keyed(1, 8192) }.ToCommand()));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(1); }, "well-formed write");
        host.Slot(2, 8192).Clear();
        Assert.Equal(0, host.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 2, Nsid = 1, Slba = 5000, Nlb = 1, Dptr = host.Keyed(2, 8192) }.ToCommand()));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(2); }, "well-formed read");
        Assert.True(host.Responses[1].Status.IsSuccess && host.Responses[2].Status.IsSuccess, "well-formed I/O failed after the hostile run");
        Assert.True(host.Slot(2, 8192).ToArray().All(b => b == 0xC3), "data read back differs after the hostile run");
    }

    private sealed class HostileStats
    {
        public int Connections { get; set; }

        public int Answered { get; set; }

        public int Errors { get; set; }

        public int LostWithConnection { get; set; }

        public int Deaths { get; set; }
    }

    /// <summary>Seeds for the property (shrinking a seed means nothing; the seed is printed on failure).</summary>
    public static class SeedArbitrary
    {
        public static Arbitrary<ulong> Seeds() => Arb.From(Gen.Choose(1, int.MaxValue).Select(x => (ulong)x));
    }
}
