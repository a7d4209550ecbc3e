using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using Harness.Sim.Tracing;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// The trace hash is XxHash3 over each record's canonical bytes (DESIGN.md: same seed, same hash): the fixed fields
/// little-endian, then Node, Op, Status, Text and Thread each as its length (-1 for null) and its UTF-16 code units.
/// However the trace cuts that stream into appends, the hash is the stream's: short strings, null ones and texts longer
/// than any record buffer alike.
/// </summary>
public sealed class TraceHashTests
{
    [HarnessProperty(MaxTest = 200)]
    public Property The_hash_is_the_hash_of_the_canonical_byte_stream()
    {
        var text = Gen.OneOf(Gen.Constant<string?>(null), Gen.Choose(0, 700).Select(n => (string?)new string('é', n)));
        var record = from t in Gen.Choose(0, int.MaxValue)
                     from qp in Gen.Choose(0, 1000)
                     from node in Gen.Elements("target", "host-a")
                     from op in Gen.Elements<string?>(null, "SEND", "RDMA_READ")
                     from body in text
                     from thread in Gen.Elements<string?>(null, "app_thread", "nvmf_tgt_poll_group_000")
                     select new TraceRecord { TimeNs = t, Kind = TraceKind.PostSend, Node = node, Qp = (uint)qp, WrId = (ulong)t * 3, Op = op, Length = (ulong)qp, Arg = -t, Text = body, Thread = thread };
        return Prop.ForAll(Arb.From(Gen.ListOf(record)), records =>
        {
            using var trace = new Trace();
            var expected = new XxHash3();
            foreach (var r in records)
            {
                trace.Record(r);
                expected.Append(Canonical(r));
            }

            Assert.Equal(expected.GetCurrentHashAsUInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture), trace.HashHex);
        });
    }

    private static byte[] Canonical(TraceRecord r)
    {
        var bytes = new List<byte>();
        void Add(ReadOnlySpan<byte> b) => bytes.AddRange(b.ToArray());
        Span<byte> field = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(field, r.TimeNs);
        Add(field);
        BinaryPrimitives.WriteInt32LittleEndian(field, (int)r.Kind);
        Add(field[..4]);
        BinaryPrimitives.WriteUInt32LittleEndian(field, r.Qp);
        Add(field[..4]);
        BinaryPrimitives.WriteUInt64LittleEndian(field, r.WrId);
        Add(field);
        BinaryPrimitives.WriteUInt64LittleEndian(field, r.Length);
        Add(field);
        BinaryPrimitives.WriteInt64LittleEndian(field, r.Arg);
        Add(field);
        foreach (var s in new[] { r.Node, r.Op, r.Status, r.Text, r.Thread })
        {
            BinaryPrimitives.WriteInt32LittleEndian(field, s?.Length ?? -1);
            Add(field[..4]);
            Add(MemoryMarshal.AsBytes((s ?? string.Empty).AsSpan()));
        }

        return bytes.ToArray();
    }
}
