using System.Globalization;
using System.Text.Json.Nodes;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness import-core</c> on snapshots the transport cannot hold: every number out of the transport's range, an
/// unknown state, an empty enum, a duplicated key, a repeated address is refused when reading (exit 2, file, line and
/// field named, no audit printed, nothing written); whatever a snapshot holds, no later stage throws; the output and
/// the name are checked before the snapshot is read; the audit says when it is capped; text from the core is escaped.
/// </summary>
public sealed class ImportCoreInputTests : IDisposable
{
    /// <summary>Seed of the hostile-snapshot cases (printed with every failure).</summary>
    private const int HostileSeed = 20261201;

    /// <summary>Hostile snapshots tried.</summary>
    private const int HostileCases = 40;

    private static readonly long[] HostileValues =
        [-1, 0, 1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 255, 256, 4095, 4096, 4097, 8193, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-import-core-input-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Output => Path.Combine(_dir.FullName, "scenario.json");

    public static TheoryData<string, string, string> BadFields => new()
    {
        { "qpairs[0].max_queue_depth", "-5", "$.poll_groups[0].pollers[0].qpairs[0].max_queue_depth: -5: must be 2..4096" },
        { "qpairs[0].max_queue_depth", "1000000000", "$.poll_groups[0].pollers[0].qpairs[0].max_queue_depth: 1000000000: must be 2..4096" },
        { "qpairs[1].max_read_depth", "300", "qpairs[1].max_read_depth: 300: must be 0..255" },
        { "qpairs[1].max_send_depth", "0", "qpairs[1].max_send_depth: 0: must be 1..8192" },
        { "qpairs[1].current_send_depth", "99", "qpairs[1].current_send_depth: 99: must be 0..32" },
        { "qpairs[1].qid", "70000", "qpairs[1].qid: 70000: must be 0..65535" },
        { "qpairs[1].state", "\"SPDK_NVMF_QPAIR_BANANA\"", "qpairs[1].state: 'SPDK_NVMF_QPAIR_BANANA' is not a qpair state" },
        { "qpairs[1].ibv_state", "\"IBV_QPS_LIMBO\"", "qpairs[1].ibv_state: 'IBV_QPS_LIMBO' is not a QP state" },
        { "qpairs[1].qid", "\"one\"", "qpairs[1].qid: \"one\": must be a whole number between -2^31 and 2^31-1" },
        { "qpairs[1].qp_num", "-1", "qpairs[1].qp_num: -1: must be a whole number between 0 and 2^32-1" },
        { "qpairs[1].max_queue_depth", "16.0", "qpairs[1].max_queue_depth: 16.0: must be a whole number between -2^31 and 2^31-1, written without a fraction or exponent" },
        { "qpairs[1].to_close", "1", "qpairs[1].to_close: 1: must be true or false" },
        { "requests[0].recv", "\"none\"", "resources.requests[0].recv: \"none\": must be a whole number between -2^31 and 2^31-1" },
        { "request_states", "\"FREE\"", "$.request_states: \"FREE\": must be a list ([…])" },
        { "source", "[]", "$.source: []: must be an object ({…})" },
        { "transport.in_capsule_data_size", "7", "$.transport.in_capsule_data_size: 7: must be a multiple of 16" },
        { "transport.num_shared_buffers", "2000000000", "$.transport.num_shared_buffers: 16384000000000 bytes of data buffers" },
        { "transport.max_io_size", "1073741824", "$.transport.max_io_size: 1073741824: must be 4096..16773120" },
        { "request_states", "[]", "$.request_states: 0 names" },
        { "requests[0].length", "4000000000", "resources.requests[0].length: 4000000000: must be 0..131072" },
        { "requests[0].num_wrs", "18", "resources.requests[0].num_wrs: 18: must be 0..17" },
        { "recvs[3].index", "9", "resources.recvs[3].index: 9: recvs must be listed in array order" },
        { "resources.depth", "17", "qpairs[1].resources.depth: 17, but the qpair's max_queue_depth is 16" },
        { "qpairs[1].state", "null", "qpairs[1].state: null: this field must have a value" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void A_number_or_name_the_transport_does_not_accept_is_refused_when_reading_with_file_line_and_field(string field, string value, string named)
    {
        var snapshot = SnapshotFiles.BeforeDrain();
        Set(snapshot, field, JsonNode.Parse(value));
        var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "snapshot.json"));

        var run = HarnessRun.Of("import-core", path, "-o", Output);

        AssertRefused(run, named);
        Assert.Matches(@"snapshot\.json:\d+: field ", run.Stderr);
        Assert.Equal(string.Empty, run.Stdout); // refused before the audit, not after it
    }

    [Fact]
    public void The_line_named_is_the_line_of_the_field()
    {
        var snapshot = SnapshotFiles.BeforeDrain();
        SnapshotFiles.Qpair(snapshot, 0)["max_queue_depth"] = -5;
        var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "snapshot.json"));

        var run = HarnessRun.Of("import-core", path, "-o", Output);

        var line = SnapshotFiles.LineOf(path, "\"max_queue_depth\": -5");
        AssertRefused(run, string.Create(CultureInfo.InvariantCulture, $"snapshot.json:{line}: field $.poll_groups[0].pollers[0].qpairs[0].max_queue_depth: -5"));
    }

    [Fact]
    public void A_duplicated_key_is_refused_instead_of_the_last_one_winning()
    {
        var path = Path.Combine(_dir.FullName, "snapshot.json");
        var text = SnapshotFiles.BeforeDrain().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, text.Replace("\"version\": 1,", "\"version\": 1,\n  \"version\": 1,", StringComparison.Ordinal));

        AssertRefused(HarnessRun.Of("import-core", path, "-o", Output), "snapshot.json:4: field $.version: 'version' appears twice");
    }

    /// <summary>
    /// The deserializer stops at a value it cannot convert, before the rest of the file, which may not be JSON at all:
    /// the field and what it must be are still named (the value is not, there being no document to take it from).
    /// </summary>
    [Fact]
    public void A_value_of_the_wrong_kind_in_a_file_cut_short_is_named_by_what_it_must_be()
    {
        var path = Path.Combine(_dir.FullName, "snapshot.json");
        var text = SnapshotFiles.BeforeDrain().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, text.Replace("\"version\": 1,", "\"version\": \"one\",", StringComparison.Ordinal)[..(text.Length / 2)]);

        AssertRefused(HarnessRun.Of("import-core", path, "-o", Output), "snapshot.json:3: field $.version: must be a whole number between -2^31 and 2^31-1");
    }

    [Fact]
    public void A_request_address_used_twice_is_refused()
    {
        var snapshot = SnapshotFiles.BeforeDrain();
        var requests = SnapshotFiles.Qpair(snapshot, 1)["resources"]!["requests"]!;
        requests[1]!["address"] = requests[0]!["address"]!.GetValue<string>();
        var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "snapshot.json"));

        AssertRefused(HarnessRun.Of("import-core", path, "-o", Output), "requests[1].address: 0x");
    }

    /// <summary>
    /// Whatever numbers and states a snapshot holds: exit 0 or 2, never an exception or a .NET type name; what is
    /// imported replays with exit 0 or 1.
    /// </summary>
    [Fact]
    public void Whatever_a_snapshot_holds_no_stage_throws_and_what_is_imported_replays()
    {
        var random = new Random(HostileSeed);
        var imported = 0;
        for (var n = 0; n < HostileCases; n++)
        {
            var snapshot = random.Next(2) == 0 ? SnapshotFiles.BeforeDrain() : SnapshotFiles.Corrupted();
            var changes = Mutate(snapshot, random);
            var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "hostile.json"));
            var context = $"seed {HostileSeed}, case {n}: {string.Join(", ", changes)}";

            var run = HarnessRun.Of("import-core", path, "-o", Output);

            Assert.True(run.Exit is 0 or 2, $"{context}\n{run}");
            Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
            if (run.Exit == 0)
            {
                imported++;
                var replay = HarnessRun.Of("replay", Output);
                Assert.True(replay.Exit is 0 or 1, $"{context}\n{replay}");
            }
        }

        Assert.True(imported > 0, "no hostile snapshot was in range: the cases test only the reader");
    }

    [Theory]
    [InlineData(new byte[0], "snapshot.json:1: empty: no JSON in it")]
    [InlineData(new byte[] { (byte)'{', (byte)'\n', 0x7f, 0x45, 0x4c, 0x46, 0xff, 0x1b }, "snapshot.json: not UTF-8: byte 0xff at line 2, column 5")]
    public void An_empty_or_binary_snapshot_is_named_for_what_it_is(byte[] content, string named)
    {
        var path = Path.Combine(_dir.FullName, "snapshot.json");
        File.WriteAllBytes(path, content);

        AssertRefused(HarnessRun.Of("import-core", path, "-o", Output), named);
    }

    [Fact]
    public void A_directory_given_as_the_snapshot_is_named_as_a_directory()
    {
        AssertRefused(HarnessRun.Of("import-core", _dir.FullName, "-o", Output), "is a directory");
    }

    [Fact]
    public void The_output_and_the_name_are_checked_before_the_snapshot_is_read()
    {
        var missing = Path.Combine(_dir.FullName, "no-such-snapshot.json");
        var output = Path.Combine(_dir.FullName, "no-such-dir", "scenario.json");

        var badOutput = HarnessRun.Of("import-core", missing, "-o", output);
        var badName = HarnessRun.Of("import-core", missing, "-o", Output, "--name", "two words");

        AssertRefused(badOutput, $"--output {output}: cannot write the scenario there");
        AssertRefused(badName, "--name two words: a scenario name is");
    }

    [Fact]
    public void A_capped_audit_says_how_many_inconsistencies_the_snapshot_has()
    {
        var snapshot = SnapshotFiles.BeforeDrain();
        var queue = SnapshotFiles.Qpair(snapshot, 1)["pending_rdma_write_queue"]!.AsObject();
        var strangers = new JsonArray();
        for (var i = 0; i < 300; i++)
        {
            strangers.Add(string.Create(CultureInfo.InvariantCulture, $"0x{0xdead0000 + (i * 0x40):x}"));
        }

        queue["elements"] = strangers;
        queue["last"] = strangers[^1]!.GetValue<string>();
        var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "snapshot.json"));

        var run = HarnessRun.Of("import-core", path, "-o", Output);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("audit: 256 (capped; the snapshot has 300) inconsistencies", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_from_the_core_is_printed_escaped()
    {
        var snapshot = SnapshotFiles.BeforeDrain();
        snapshot["notes"] = new JsonArray("binary \u001b]0;owned\u0007 /opt/spdk\u009b2J");
        var path = SnapshotFiles.Write(snapshot, Path.Combine(_dir.FullName, "snapshot.json"));

        var run = HarnessRun.Of("import-core", path, "-o", Output);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("binary \\x1b]0;owned\\x07 /opt/spdk\\x9b2J", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stdout + run.Stderr, c => c is '\u001b' or '\u0007' or '\u009b');
    }

    /// <summary>Sets <paramref name="field"/>: a top-level name, <c>transport.X</c>, <c>qpairs[i].X</c>, or a field of qpair 1's resources.</summary>
    private static void Set(JsonObject snapshot, string field, JsonNode? value)
    {
        var io = SnapshotFiles.Qpair(snapshot, 1);
        var resources = io["resources"]!.AsObject();
        var parts = field.Split('.', 2);
        var (owner, name) = parts[0] switch
        {
            "transport" => (snapshot["transport"]!.AsObject(), parts[1]),
            "resources" => (resources, parts[1]),
            var p when p.StartsWith("qpairs[", StringComparison.Ordinal) => (SnapshotFiles.Qpair(snapshot, p[7] - '0'), parts[1]),
            var p when p.StartsWith("requests[", StringComparison.Ordinal) => (resources["requests"]![Index(p)]!.AsObject(), parts[1]),
            var p when p.StartsWith("recvs[", StringComparison.Ordinal) => (resources["recvs"]![Index(p)]!.AsObject(), parts[1]),
            _ => (snapshot, field),
        };
        owner[name] = value;
    }

    private static int Index(string part) => int.Parse(part[(part.IndexOf('[', StringComparison.Ordinal) + 1)..^1], CultureInfo.InvariantCulture);

    /// <summary>One to three changes: a number set to a hostile value, or a request put in another state.</summary>
    private static List<string> Mutate(JsonObject snapshot, Random random)
    {
        var numbers = new List<JsonValue>();
        var states = new List<JsonObject>();
        Collect(snapshot, numbers, states);
        var changes = new List<string>();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            if (random.Next(3) > 0)
            {
                var target = numbers[random.Next(numbers.Count)];
                var value = HostileValues[random.Next(HostileValues.Length)];
                changes.Add(string.Create(CultureInfo.InvariantCulture, $"{target.GetPath()} = {value}"));
                target.ReplaceWith(value);
                numbers.Remove(target);
            }
            else
            {
                var request = states[random.Next(states.Count)];
                var state = Harness.Transport.Target.RdmaRequestStateNames.All[random.Next(Harness.Transport.Target.RdmaRequestStateNames.All.Count)];
                changes.Add($"{request.GetPath()}.state = {state}");
                request["state"] = state;
            }
        }

        return changes;
    }

    private static void Collect(JsonNode? node, List<JsonValue> numbers, List<JsonObject> requests)
    {
        switch (node)
        {
            case JsonObject o:
                if (o.ContainsKey("num_wrs"))
                {
                    requests.Add(o);
                }

                foreach (var (_, child) in o)
                {
                    Collect(child, numbers, requests);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, numbers, requests);
                }

                break;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                numbers.Add(v);
                break;
        }
    }

    private void AssertRefused(HarnessRun run, string named)
    {
        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Harness.", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output), "a scenario was written");
        Assert.Empty(_dir.GetFiles("*.tmp", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true }));
    }
}
