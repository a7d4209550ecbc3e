using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// Reads a <see cref="TargetSnapshot"/> JSON file strictly: unknown fields, missing required fields, wrong types,
/// unknown request states, malformed addresses and out-of-range indices are a <see cref="SnapshotFormatException"/>
/// naming the file, the line and the field.
/// </summary>
public static class TargetSnapshotReader
{
    /// <summary>Largest snapshot accepted (a transport with thousands of qpairs is well under this).</summary>
    public const long FileBytesMax = 1L << 30;

    /// <summary>Largest request array one resources object may have (SPDK's max_srq_depth is a u16).</summary>
    public const int ResourcesDepthMax = 1 << 16;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads the snapshot at <paramref name="path"/>.</summary>
    public static TargetSnapshot ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > FileBytesMax)
        {
            throw new SnapshotFormatException(path, 0, null, $"larger than {FileBytesMax} bytes: not a snapshot");
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a snapshot from <paramref name="json"/>; <paramref name="name"/> names it in errors.</summary>
    public static TargetSnapshot Read(byte[] json, string name)
    {
        TargetSnapshot? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize<TargetSnapshot>(json, Options);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 0 } p ? p : null;
            throw new SnapshotFormatException(name, (int)(e.LineNumber ?? -1) + 1, field, Clean(e.Message));
        }

        if (snapshot == null)
        {
            throw new SnapshotFormatException(name, 1, null, "the file holds null, not a snapshot object");
        }

        Validate(snapshot, json, name);
        return snapshot;
    }

    /// <summary>Parses a <c>0x…</c> address.</summary>
    public static ulong Address(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var a)
            ? a
            : throw new FormatException($"'{text}' is not a 0x… address");

    private static void Validate(TargetSnapshot s, byte[] json, string name)
    {
        void Fail(string path, string problem) => throw new SnapshotFormatException(name, JsonLocator.LineOf(json, path), path, problem);

        if (s.Format != TargetSnapshot.FormatName)
        {
            Fail("$.format", $"'{s.Format}': not a {TargetSnapshot.FormatName} (written by tools/gdb/rdma_snapshot.py)");
        }

        if (s.Version != TargetSnapshot.CurrentVersion)
        {
            Fail("$.version", string.Create(CultureInfo.InvariantCulture, $"version {s.Version}; this build reads version {TargetSnapshot.CurrentVersion}"));
        }

        if (s.PollGroups.Count == 0)
        {
            Fail("$.poll_groups", "no poll group: the transport had not been started");
        }

        for (var g = 0; g < s.PollGroups.Count; g++)
        {
            var group = s.PollGroups[g];
            var gp = string.Create(CultureInfo.InvariantCulture, $"$.poll_groups[{g}]");
            Addresses(group.PendingBufQueue, gp + ".pending_buf_queue", Fail);
            for (var p = 0; p < group.Pollers.Count; p++)
            {
                ValidatePoller(group.Pollers[p], string.Create(CultureInfo.InvariantCulture, $"{gp}.pollers[{p}]"), Fail);
            }
        }
    }

    private static void ValidatePoller(PollerSnapshot poller, string path, Action<string, string> fail)
    {
        if (poller.Srq && poller.Resources == null)
        {
            fail(path + ".resources", "a poller with an SRQ needs its shared resources");
        }

        if (poller.Resources != null)
        {
            ValidateResources(poller.Resources, path + ".resources", fail);
        }

        for (var q = 0; q < poller.Qpairs.Count; q++)
        {
            var qpair = poller.Qpairs[q];
            var qp = string.Create(CultureInfo.InvariantCulture, $"{path}.qpairs[{q}]");
            Address(qpair.Address, qp + ".address", fail);
            if (!poller.Srq && qpair.Resources == null)
            {
                fail(qp + ".resources", "a qpair without an SRQ needs its own resources");
            }

            if (qpair.Resources != null)
            {
                ValidateResources(qpair.Resources, qp + ".resources", fail);
            }

            foreach (var (queue, field) in new[] { (qpair.PendingIobufQueue, "pending_iobuf_queue"), (qpair.PendingRdmaReadQueue, "pending_rdma_read_queue"),
                         (qpair.PendingRdmaWriteQueue, "pending_rdma_write_queue"), (qpair.PendingRdmaSendQueue, "pending_rdma_send_queue") })
            {
                if (queue != null)
                {
                    Addresses(queue, $"{qp}.{field}", fail);
                }
            }
        }
    }

    private static void ValidateResources(ResourcesSnapshot r, string path, Action<string, string> fail)
    {
        if (r.Depth is < 1 or > ResourcesDepthMax)
        {
            fail(path + ".depth", string.Create(CultureInfo.InvariantCulture, $"{r.Depth}: must be 1..{ResourcesDepthMax}"));
        }

        if (r.Requests.Count != r.Depth || r.Recvs.Count != r.Depth)
        {
            fail(path + ".requests", string.Create(CultureInfo.InvariantCulture, $"{r.Requests.Count} requests and {r.Recvs.Count} recvs, but depth {r.Depth}"));
        }

        Addresses(r.FreeQueue, path + ".free_queue", fail);
        Addresses(r.IncomingQueue, path + ".incoming_queue", fail);
        for (var i = 0; i < r.Requests.Count; i++)
        {
            var req = r.Requests[i];
            var rp = string.Create(CultureInfo.InvariantCulture, $"{path}.requests[{i}]");
            if (req.Index != i)
            {
                fail(rp + ".index", string.Create(CultureInfo.InvariantCulture, $"{req.Index}: requests must be listed in array order (expected {i})"));
            }

            if (!RdmaRequestStateNames.TryParse(req.State, out _))
            {
                fail(rp + ".state", $"'{req.State}' is not a request state this build knows (known: {string.Join(", ", RdmaRequestStateNames.All)})");
            }

            if (req.Recv is { } recv && (recv < 0 || recv >= r.Depth))
            {
                fail(rp + ".recv", string.Create(CultureInfo.InvariantCulture, $"{recv}: not an index of the {r.Depth} recvs"));
            }

            Address(req.Address, rp + ".address", fail);
            OptionalAddress(req.StateLinkNext, rp + ".state_link_next", fail);
            OptionalAddress(req.Qpair, rp + ".qpair", fail);
            if (req.Command != null && (req.Command.Length != 128 || !req.Command.All(Uri.IsHexDigit)))
            {
                fail(rp + ".command", "must be the 64-byte capsule as 128 hex digits");
            }
        }
    }

    private static void Addresses(QueueSnapshot queue, string path, Action<string, string> fail)
    {
        for (var i = 0; i < queue.Elements.Count; i++)
        {
            Address(queue.Elements[i], string.Create(CultureInfo.InvariantCulture, $"{path}.elements[{i}]"), fail);
        }

        OptionalAddress(queue.Last, path + ".last", fail);
    }

    private static void OptionalAddress(string? text, string path, Action<string, string> fail)
    {
        if (text != null)
        {
            Address(text, path, fail);
        }
    }

    private static void Address(string text, string path, Action<string, string> fail)
    {
        try
        {
            Address(text);
        }
        catch (FormatException e)
        {
            fail(path, e.Message);
        }
    }

    /// <summary>System.Text.Json's messages end with "Path: … | LineNumber: … | BytePositionInLine: …": the exception says those already.</summary>
    private static string Clean(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
