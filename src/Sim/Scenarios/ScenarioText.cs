using System.Globalization;

namespace Harness.Sim.Scenarios;

/// <summary>
/// A scenario in words, the way a field report tells it ("write of 3 blocks on qpair 1; RDMA READ #2 of target/1
/// completes IBV_WC_RETRY_EXC_ERR"): printed before a replay and used as the description of generated counterexamples.
/// </summary>
public static class ScenarioText
{
    /// <summary>The workload and the faults, one clause each, separated by "; ".</summary>
    public static string Describe(Scenario s)
    {
        var parts = new List<string>();
        if (s.Random is { } r)
        {
            parts.Add(Inv($"random workload: {r.Ios ?? 2000} I/Os of {r.IoSize ?? 4096} B, {(r.RwMix ?? 0.5) * 100:0}% reads, fault profile {r.FaultProfile ?? "none"}"));
        }

        parts.AddRange((s.Commands ?? Array.Empty<ScenarioCommand>()).Select(Describe));
        var faults = DescribeFaults(s);
        if (faults.Length > 0)
        {
            parts.Add(faults);
        }

        return string.Join("; ", parts);
    }

    /// <summary>The scripted faults and swarm rates in words ("none" when there are none).</summary>
    public static string DescribeFaults(Scenario s)
    {
        var parts = (s.Faults ?? Array.Empty<FaultSpec>()).Select(Describe).ToList();
        if (s.Swarm is { } w)
        {
            parts.Add(Inv($"swarm: packet-loss {w.PacketLossRate ?? 0:0.######}, wc-error {w.WcErrorRate ?? 0:0.######}, cm-delay {w.CmEventDelayRate ?? 0:0.######}, post-error {w.PostErrorRate ?? 0:0.######}, async-event {w.AsyncEventRate ?? 0:0.######}, port-flap {w.PortFlapRate ?? 0:0.######}, device-removal {w.DeviceRemovalRate ?? 0:0.######}, addr-change {w.AddrChangeRate ?? 0:0.######}, stale-conn {w.StaleConnRate ?? 0:0.######}, ctrlr-error {w.ControllerErrorRate ?? 0:0.######}, ctrlr-delay {w.ControllerDelayRate ?? 0:0.######}, call-error {w.CallErrorRate ?? 0:0.######}"));
        }

        return string.Join("; ", parts);
    }

    /// <summary><c>faults[I] (WHAT) never fired</c>: the warning for a scripted fault that did nothing in a run.</summary>
    public static string NeverFired(Scenario s, int index) => Inv($"faults[{index}] ({Describe(s.Faults![index])}) never fired");

    private static string IovecsText(int? iovecs) => iovecs is > 1 ? Inv($" (descriptor list of {iovecs})") : string.Empty;

    public static string Describe(ScenarioCommand c) => c switch
    {
        WriteCommand w => Inv($"write of {w.Blocks} block{Plural(w.Blocks)} at LBA {w.Lba} on qpair {w.Qpair}{IovecsText(w.Iovecs)}"),
        ReadCommand r => Inv($"read of {r.Blocks} block{Plural(r.Blocks)} at LBA {r.Lba} on qpair {r.Qpair}{IovecsText(r.Iovecs)}"),
        WaitCommand w => Inv($"wait {w.Ns / 1e3:0.###} µs"),
        SettleCommand => "wait for every command to complete",
        ForceQpErrorCommand f => $"{f.Qp} QP to ERR (flush)",
        DisconnectCommand d => $"rdma_disconnect of {d.Qp}",
        AsyncEventCommand a => $"{a.Event} on {a.Qp}",
        DeviceRemovalCommand d => $"device removal on {d.Host}",
        AddrChangeCommand a => $"address change on {a.Host}",
        PortFlapCommand p => Inv($"port of {p.Host} down for {p.DownNs / 1e3:0.###} µs"),
        ResetCommand => "host resets the controller",
        ReconnectCommand r => Inv($"host reconnects qpair {r.Qpair}"),
        DeleteControllerCommand => "host deletes the controller",
        SglIoCommand m => Inv($"{(m is SglReadCommand ? "read" : "write")} of {m.Blocks} block{Plural(m.Blocks)} at LBA {m.Lba} on qpair {m.Qpair} with an {m.Sgl} SGL ({m.Descriptors} descriptors at offset {m.Offset}, {(m.SentBytes is { } b ? Inv($"{b}") : "all")} bytes sent)"),
        CompareAndWriteCommand f => Inv($"compare-and-write ({f.Part ?? "pair"}{(f.Match == false ? ", mismatching" : "")}{(f.FirstSgl is { } sgl ? ", FIRST's SGL " + sgl : "")}) of {f.Blocks} block{Plural(f.Blocks)} at LBA {f.Lba} on qpair {f.Qpair}"),
        _ => c.ToString(),
    };

    public static string Describe(FaultSpec f) => f switch
    {
        WcErrorSpec e => Inv($"{WrName(e.Wr)} #{e.Nth} of {e.Qp} completes {e.Status}"),
        PacketDropSpec p => Inv($"{WrName(p.Wr)} #{p.Nth} of {p.Qp} loses {p.Drops} packet{Plural(p.Drops)} in a row"),
        DisconnectSpec d => Inv($"rdma_disconnect of {d.Qp} at {d.AtNs / 1e3:0.###} µs"),
        ForceQpErrorSpec q => Inv($"{q.Qp} QP to ERR at {q.AtNs / 1e3:0.###} µs"),
        AsyncEventSpec a => Inv($"{a.Event} on {a.Qp} at {a.AtNs / 1e3:0.###} µs"),
        DropCmEventSpec d => Inv($"{d.Event} #{d.Nth} on {d.Host ?? "any host"} is lost"),
        DelayCmEventSpec d => Inv($"{d.Event} #{d.Nth} on {d.Host ?? "any host"} is {d.DelayNs / 1e3:0.###} µs late"),
        DelayCqSpec c => Inv($"completions of {c.Host} CQ {c.Cq} are {c.DelayNs / 1e3:0.###} µs late from {c.FromNs / 1e3:0.###} to {c.UntilNs / 1e3:0.###} µs"),
        DeviceRemovalSpec d => Inv($"device removal on {d.Host} at {d.AtNs / 1e3:0.###} µs ({d.Order ?? ScenarioNames.FatalFirst}, second event {(d.GapNs ?? 0) / 1e3:0.###} µs later)"),
        AddrChangeSpec a => Inv($"address change on {a.Host} at {a.AtNs / 1e3:0.###} µs"),
        PortFlapSpec p => Inv($"port of {p.Host} down at {p.AtNs / 1e3:0.###} µs for {p.DownNs / 1e3:0.###} µs"),
        StaleConnRejectSpec c => Inv($"rdma_connect #{c.Nth} on {c.Host ?? "any host"} rejected as a stale connection (IB_CM_REJ_STALE_CONN)"),
        ControllerErrorSpec c => Inv($"{IoName(c.Op)} #{c.Nth}{OnQueue(c.Qid)} fails in the block device with {c.Status}"),
        ControllerDelaySpec c => Inv($"{IoName(c.Op)} #{c.Nth}{OnQueue(c.Qid)} completes {c.DelayNs / 1e3:0.###} µs late in the block device"),
        PostErrorSpec p => Inv($"{PostCall(p.Queue)} #{p.Nth} on {p.Qp} fails {p.Errno ?? PostErrorSpec.ErrnoDefault} at WR {p.Wr ?? 0}"),
        CallErrorSpec c => Inv($"{c.Call} #{c.Nth} on {c.Host ?? "any host"} fails {c.Errno ?? CallErrorSpec.ErrnoDefault}"),
        _ => f.ToString(),
    };

    private static string WrName(string wr) => wr switch
    {
        "rdma-read" => "RDMA READ",
        "rdma-write" => "RDMA WRITE",
        "send" => "SEND",
        "recv" => "RECV",
        _ => "WR",
    };

    private static string IoName(string op) => op switch
    {
        "read" => "Read",
        "write" => "Write",
        _ => "I/O command",
    };

    private static string OnQueue(int? qid) => qid is int q ? Inv($" on queue {q}") : string.Empty;

    private static string PostCall(string queue) => queue switch
    {
        "send" => "ibv_post_send",
        "recv" => "ibv_post_recv",
        _ => "ibv_post_srq_recv",
    };

    private static string Plural(long n) => n == 1 ? string.Empty : "s";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
