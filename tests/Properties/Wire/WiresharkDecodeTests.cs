using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Sim.Wire;
using Harness.Tests.Properties.Scenarios;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Wire;

/// <summary>
/// The simulator's packet capture read by an independent decoder: Wireshark's (tshark's) InfiniBand/RoCE, NVMe-oF RDMA
/// and NVMe dissectors. Every command and response capsule the harness put on the wire must decode to the values the
/// harness's own NVMe codec gives the same bytes (opcode, CID, NSID, LBA and length, SGL address/length/key; response
/// CID and status); a field Wireshark reads differently is a bug in one of the two (the NVMe and NVMe-oF specs decide
/// which). The session is scenarios/wire-decode-tour.json: connects, reads and writes of one and several MTUs, two
/// failed commands, a response SEND retried until IBV_WC_RETRY_EXC_ERR, disconnects.
/// </summary>
public sealed class WiresharkDecodeTests : IDisposable
{
    private static readonly string[] CapsuleFields =
    [
        "nvme.cmd.opc", "nvme.cmd.cid", "nvme.cmd.nsid", "nvme.cmd.slba", "nvme.cmd.nlb", "nvme.cmd.sgl.type",
        "nvme.cmd.sgl1.addr", "nvme.cmd.sgl1.len", "nvme.cmd.sgl1.key", "nvme.fabrics.cmd.cid", "nvme.fabrics.cmd.fctype",
        "nvme.cqe.cid", "nvme.cqe.status",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("wire-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Wireshark_decodes_every_capsule_as_the_harness_encoded_it()
    {
        var (capture, pcap) = CaptureTour();
        var ios = capture.Capsules.Count(c => c.Command is { Opcode: 0x01 or 0x02, Nsid: not 0 });
        var failed = capture.Capsules.Count(c => c.Completion is { Status.IsError: true });
        Assert.True(ios == 7 && failed >= 2, $"{capture.Capsules.Count} capsules captured, {ios} reads and writes, {failed} failed responses: not the tour's session");
        var mismatches = Mismatches(capture, pcap);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void A_capsule_field_that_differs_on_the_wire_is_reported_with_its_frame()
    {
        // The comparison's power: the SLBA of the first write, changed in the file after the harness sent it (and the
        // ICRC left as it was: Wireshark does not check it), must come back as a mismatch naming the frame and field.
        var (capture, pcap) = CaptureTour();
        var write = capture.Capsules.First(c => c.Command is { Opcode: 0x01, Nsid: not 0 });
        var bytes = File.ReadAllBytes(pcap);
        var at = FrameOffset(bytes, write.Frame) + 14 + 20 + 8 + 12 + 40; // Ethernet, IPv4, UDP, BTH; SQE CDW10 at 40
        bytes[at] ^= 0x01;
        File.WriteAllBytes(pcap, bytes);
        var mismatches = Mismatches(capture, pcap);
        Assert.True(mismatches.Count == 1 && mismatches[0].StartsWith($"frame {write.Frame} ", StringComparison.Ordinal) && mismatches[0].Contains("SLBA", StringComparison.Ordinal),
            string.Join("\n", mismatches));
    }

    /// <summary>Every difference between the harness's capsules and Wireshark's decode of <paramref name="pcap"/>.</summary>
    private static List<string> Mismatches(WireCapture capture, string pcap)
    {
        var decoded = Tshark.Fields(pcap, "nvme.cmd.opc || nvme.fabrics.cmd.fctype || nvme.cqe.cid", CapsuleFields);
        var mismatches = new List<string>();
        foreach (var capsule in capture.Capsules)
        {
            if (!decoded.TryGetValue(capsule.Frame, out var row))
            {
                mismatches.Add($"frame {capsule.Frame}: Wireshark decoded no NVMe-oF capsule, the harness sent {Describe(capsule)}");
                continue;
            }

            mismatches.AddRange(Compare(capsule, row).Select(m => $"frame {capsule.Frame} ({Describe(capsule)}): {m}"));
        }

        var sent = capture.Capsules.Select(c => c.Frame).ToHashSet();
        mismatches.AddRange(decoded.Keys.Where(k => !sent.Contains(k)).Select(k => $"frame {k}: Wireshark decoded a capsule the harness did not send"));
        return mismatches;
    }

    /// <summary>Where frame <paramref name="number"/>'s bytes start in a pcap file.</summary>
    private static int FrameOffset(byte[] pcap, int number)
    {
        var at = 24;
        for (var n = 1; n < number; n++)
        {
            at += 16 + BitConverter.ToInt32(pcap, at + 8);
        }

        return at + 16;
    }

    [Fact]
    public void The_capture_shows_the_cm_exchange_the_retransmissions_and_the_naks_as_they_happened()
    {
        var (_, pcap) = CaptureTour();
        var rc = Tshark.Fields(pcap, "infiniband.bth.opcode < 0x64", "infiniband.bth.opcode", "infiniband.bth.destqp", "infiniband.bth.psn");
        var sends = rc.Values.Where(r => r[0] == "4").GroupBy(r => (r[1], r[2])).Select(g => g.Count()).ToArray();
        Assert.True(sends.Max() >= 2, "no SEND was retransmitted with the same PSN, though the scenario's response SEND ends in IBV_WC_RETRY_EXC_ERR");

        var cm = Tshark.Fields(pcap, "infiniband.mad.mgmtclass == 0x07", "infiniband.mad.attributeid").Values.Select(r => r[0]).ToArray();
        foreach (var (attribute, name) in new[] { ("0x0010", "REQ"), ("0x0013", "REP"), ("0x0014", "RTU"), ("0x0015", "DREQ"), ("0x0016", "DREP") })
        {
            Assert.True(cm.Contains(attribute), $"no CM {name} (attribute {attribute}) in the capture: {string.Join(",", cm)}");
        }

        var rep = Tshark.Fields(pcap, "nvme-rdma.cm.rsp.crqsize", "nvme-rdma.cm.rsp.recfmt", "nvme-rdma.cm.rsp.crqsize");
        Assert.True(rep.Count == 2, $"Wireshark read the NVMe-oF private data of {rep.Count} REPs, expected 2 (admin and I/O queue)");
        Assert.All(rep.Values, r => Assert.Equal("0", r[0])); // RECFMT 0 (NVMe-oF RDMA transport binding, 3.3)
    }

    /// <summary>Runs the tour with a capture and saves it.</summary>
    private (WireCapture Capture, string Pcap) CaptureTour()
    {
        var capture = new WireCapture();
        var document = ScenarioFile.Load(Path.Combine(RepoPaths.Scenarios, "wire-decode-tour.json"));
        var outcome = ScenarioRunner.Run(document, new ScenarioRunOptions { Capture = capture });
        Assert.True(outcome.AsExpected, $"{outcome.ResultLine} {outcome.Detail}");
        var pcap = Path.Combine(_dir, "tour.pcap");
        capture.Save(pcap);
        return (capture, pcap);
    }

    private static IEnumerable<string> Compare(WireCapsule capsule, string[] row)
    {
        var f = (string name) => Tshark.Number(row[Array.IndexOf(CapsuleFields, name)]);
        if (capsule.Completion is { } cpl)
        {
            return Differences(
                ("CID", cpl.Cid, f("nvme.cqe.cid")),
                ("status", (ulong)(cpl.Status.ToStatusField() & 0xFFFE), f("nvme.cqe.status") & 0xFFFE));
        }

        var cmd = capsule.Command!.Value;
        if (cmd.IsFabrics)
        {
            return Differences(("CID", cmd.Cid, f("nvme.fabrics.cmd.cid")), ("fctype", (ulong)cmd.FabricsType, f("nvme.fabrics.cmd.fctype")));
        }

        var checks = new List<(string, ulong, ulong?)> { ("opcode", cmd.Opcode, f("nvme.cmd.opc")), ("CID", cmd.Cid, f("nvme.cmd.cid")), ("NSID", cmd.Nsid, f("nvme.cmd.nsid")) };
        if (f("nvme.cmd.slba") != null || cmd.Opcode is 0x01 or 0x02 && cmd.Nsid != 0)
        {
            checks.Add(("SLBA", cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32), f("nvme.cmd.slba")));
            checks.Add(("NLB", (cmd.Cdw12 & 0xFFFF) + 1UL, f("nvme.cmd.nlb")));
        }

        checks.Add(("SGL type", (ulong)cmd.Dptr.Type, f("nvme.cmd.sgl.type")));
        if (cmd.Dptr.Type == SglDescriptorType.KeyedDataBlock)
        {
            checks.Add(("SGL address", cmd.Dptr.Address, f("nvme.cmd.sgl1.addr")));
            checks.Add(("SGL length", cmd.Dptr.Length, f("nvme.cmd.sgl1.len")));
            checks.Add(("SGL key", cmd.Dptr.Key, f("nvme.cmd.sgl1.key")));
        }

        return Differences(checks.ToArray());
    }

    private static IEnumerable<string> Differences(params (string Field, ulong Sent, ulong? Decoded)[] checks) =>
        checks.Where(c => c.Decoded != c.Sent).Select(c => $"{c.Field}: harness 0x{c.Sent:x}, Wireshark {(c.Decoded is { } d ? $"0x{d:x}" : "nothing")}");

    private static string Describe(WireCapsule capsule) =>
        capsule.Completion is { } cpl ? $"completion cid {cpl.Cid} status {cpl.Status}" : $"command opcode 0x{capsule.Command!.Value.Opcode:x2} cid {capsule.Command.Value.Cid}";
}
