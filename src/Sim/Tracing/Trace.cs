using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Harness.Sim.Tracing;

/// <summary>
/// The run's trace: every post, completion, state change, CM event and fault. Always hashed (XxHash3 over a
/// canonical binary form of each record, so the hash does not depend on whether JSON is written); optionally
/// written as JSON lines. Same seed and binary → same records → same hash and byte-identical JSONL.
/// </summary>
public sealed class Trace : IDisposable
{
    private const int RecordBytesMax = 256;
    private const int FixedBytes = 40;
    private readonly XxHash3 _hash = new();
    private readonly Stream? _jsonl;
    private readonly Utf8JsonWriter? _writer;
    private bool _disposed;
    private readonly bool _ownsStream;
    private readonly List<TraceRecord>? _memory;
    private readonly int _memoryLimit;

    /// <param name="jsonl">Where to write JSON lines, or null to only hash.</param>
    /// <param name="ownsStream">Dispose <paramref name="jsonl"/> with the trace.</param>
    /// <param name="keepInMemory">Records to keep in memory (the tail of the run), for tests and failure reports.</param>
    public Trace(Stream? jsonl = null, bool ownsStream = false, int keepInMemory = 0)
    {
        _jsonl = jsonl;
        _ownsStream = ownsStream;
        if (jsonl != null)
        {
            _writer = new Utf8JsonWriter(jsonl, new JsonWriterOptions { SkipValidation = true });
        }

        if (keepInMemory > 0)
        {
            _memory = new List<TraceRecord>(Math.Min(keepInMemory, 4096));
            _memoryLimit = keepInMemory;
        }
    }

    /// <summary>Records written so far.</summary>
    public long Count { get; private set; }

    /// <summary>The records kept in memory (the first <c>keepInMemory</c> of the run).</summary>
    public IReadOnlyList<TraceRecord> Records => (IReadOnlyList<TraceRecord>?)_memory ?? Array.Empty<TraceRecord>();

    /// <summary>Hex of the 64-bit hash of everything recorded so far.</summary>
    public string HashHex => _hash.GetCurrentHashAsUInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Told every record as it is written (in-process oracles of the simulator, e.g. the scenario runner's model of
    /// the target's bookkeeping, which watch the NIC's posts and completions). Null when nobody listens.
    /// </summary>
    internal Action<TraceRecord>? Listener { get; set; }

    /// <summary>Appends one record.</summary>
    public void Record(in TraceRecord record)
    {
        Count++;
        HashRecord(record);
        Listener?.Invoke(record);
        if (_memory != null && _memory.Count < _memoryLimit)
        {
            _memory.Add(record);
        }

        if (_writer != null)
        {
            WriteJson(record);
        }
    }

    /// <summary>Flushes the JSONL output (nothing once disposed: the fabric disposes the trace it was given).</summary>
    public void Flush()
    {
        if (_disposed)
        {
            return;
        }

        _writer?.Flush();
        _jsonl?.Flush();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Flush();
        _disposed = true;
        _writer?.Dispose();
        if (_ownsStream)
        {
            _jsonl?.Dispose();
        }
    }

    private void HashRecord(in TraceRecord r)
    {
        // One Append per record where it fits (XxHash3 hashes the concatenated bytes, so how they are cut does not
        // change the hash): the fixed fields, then each string as its length and its UTF-16 code units.
        Span<byte> buffer = stackalloc byte[RecordBytesMax];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, r.TimeNs);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[8..], (int)r.Kind);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], r.Qp);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[16..], r.WrId);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[24..], r.Length);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[32..], r.Arg);
        var used = FixedBytes;
        used = AppendString(buffer, used, r.Node);
        used = AppendString(buffer, used, r.Op);
        used = AppendString(buffer, used, r.Status);
        used = AppendString(buffer, used, r.Text);
        used = AppendString(buffer, used, r.Thread);
        _hash.Append(buffer[..used]);
    }

    /// <summary>Puts <paramref name="s"/>'s length and code units after <paramref name="used"/> bytes of <paramref name="buffer"/>, hashing what is there first when they do not fit.</summary>
    private int AppendString(Span<byte> buffer, int used, string? s)
    {
        var bytes = MemoryMarshal.AsBytes((s ?? string.Empty).AsSpan());
        if (used + sizeof(int) + bytes.Length > buffer.Length)
        {
            _hash.Append(buffer[..used]);
            used = 0;
        }

        BinaryPrimitives.WriteInt32LittleEndian(buffer[used..], s?.Length ?? -1);
        used += sizeof(int);
        if (used + bytes.Length > buffer.Length)
        {
            _hash.Append(buffer[..used]); // a long text: straight from the string
            _hash.Append(bytes);
            return 0;
        }

        bytes.CopyTo(buffer[used..]);
        return used + bytes.Length;
    }

    private void WriteJson(in TraceRecord r)
    {
        var w = _writer!;
        w.WriteStartObject();
        w.WriteNumber("t", r.TimeNs);
        w.WriteString("ev", r.Kind.ToName());
        w.WriteString("node", r.Node);
        if (r.Qp != 0)
        {
            w.WriteNumber("qp", r.Qp);
        }

        if (r.WrId != 0)
        {
            w.WriteNumber("wr_id", r.WrId);
        }

        WriteOptional(w, "op", r.Op);
        WriteOptional(w, "status", r.Status);
        if (r.Length != 0)
        {
            w.WriteNumber("len", r.Length);
        }

        if (r.Arg != 0)
        {
            w.WriteNumber("arg", r.Arg);
        }

        WriteOptional(w, "text", r.Text);
        WriteOptional(w, "thread", r.Thread);
        w.WriteEndObject();
        w.Flush();
        _jsonl!.WriteByte((byte)'\n');
        w.Reset();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value != null)
        {
            w.WriteString(name, value);
        }
    }
}
