using System.Globalization;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// Executes one side's <see cref="HardwareAction"/>s on that side's live objects (<see cref="FaultSite"/>) and records
/// every call it makes. Timed actions fire from <see cref="Poll"/> (a poller on one of the side's reactors) once
/// <see cref="FaultSite.Progress"/> reaches their point of the I/O, and wait while their QP is not connected yet; the
/// under-READ actions fire from <see cref="OnWriteSubmitted"/> (the host's submit path) on the WRITE that carries their
/// READ. Everything goes through the verbs abstraction, so the same executor runs on the native backend and, in tests,
/// on the simulated one. Single-threaded: call it from the reactors' thread.
/// </summary>
public sealed class FaultActionExecutor
{
    /// <summary>
    /// How long after posting the WRITE the host silences its QP. Earlier, the capsule itself may still sit in the send
    /// queue that RESET empties (then the target never sees the command); a capsule leaves the NIC within a few µs and the
    /// target's READs of a split write follow one round trip apart (two at a time at read depth 2), so 5 µs later the last
    /// READs of a 32 KiB write are still to come. Polling granularity adds to it.
    /// </summary>
    public const long SilenceDelayNs = 5_000;

    private readonly FaultSite _site;
    private readonly IClock _clock;
    private readonly long _startNs;
    private readonly long _ios;
    private readonly int _inCapsuleBytes;
    private readonly int _readBytes;
    private readonly Action<InjectedAction>? _sink;
    private readonly HardwareAction[] _timed;
    private readonly List<HardwareAction> _due = new();
    private readonly List<(HardwareAction Action, long AtNs)> _silences = new();
    private readonly HardwareAction[][] _underRead;
    private readonly int[] _nextUnderRead;
    private readonly long[] _readsSubmitted;
    private readonly List<InjectedAction> _log = new();
    private readonly List<FaultQp> _scratch = new();
    private int _nextTimed;
    private bool _finished;

    /// <summary>
    /// An executor for <paramref name="site"/>'s actions among <paramref name="actions"/>, timed against
    /// <paramref name="ios"/>; a WRITE larger than <paramref name="inCapsuleBytes"/> costs the target one READ per
    /// <paramref name="readBytes"/> (its I/O unit, one SGE per WR); <paramref name="qpairs"/> I/O qpairs.
    /// </summary>
    public FaultActionExecutor(FaultSite site, IEnumerable<HardwareAction> actions, long ios, int qpairs, int inCapsuleBytes, int readBytes,
        IClock clock, Action<InjectedAction>? sink = null)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(clock);
        Check.That(qpairs >= 1 && readBytes >= 1 && ios >= 1, InvariantNames.StateTransition, (qpairs, readBytes, ios),
            s => $"fault executor: qpairs {s.qpairs}, READ size {s.readBytes}, ios {s.ios} must be positive");
        _site = site;
        _clock = clock;
        _startNs = clock.NowNs;
        _ios = ios;
        _inCapsuleBytes = inCapsuleBytes;
        _readBytes = readBytes;
        _sink = sink;
        var mine = actions.Where(a => a.Side == site.Side).ToList();
        _timed = mine.Where(a => a.IsTimed).OrderBy(a => a.AtFraction).ToArray();
        _underRead = new HardwareAction[qpairs][];
        for (var q = 0; q < qpairs; q++)
        {
            _underRead[q] = mine.Where(a => !a.IsTimed && a.Qpair == q).OrderBy(a => a.NthRead).ToArray();
        }

        var stray = mine.Where(a => !a.IsTimed && (uint)a.Qpair >= (uint)qpairs).ToList();
        foreach (var a in stray)
        {
            _log.Add(new InjectedAction(0, a, string.Create(CultureInfo.InvariantCulture, $"the run has {qpairs} I/O qpair(s), no qpair {a.Qpair + 1}"), string.Empty, Errno.EINVAL, Injected: false));
        }

        _nextUnderRead = new int[qpairs];
        _readsSubmitted = new long[qpairs];
        Planned = mine.Count;
    }

    /// <summary>Actions of this side in the plan.</summary>
    public int Planned { get; }

    /// <summary>Every call made so far (and, after <see cref="Finish"/>, every action that never happened).</summary>
    public IReadOnlyList<InjectedAction> Log => _log;

    /// <summary>Called when a qpair's QP was silenced (the host stops submitting on that connection: see <see cref="FaultingHostDriver"/>).</summary>
    public Action<int, FaultQp>? Silenced { get; set; }

    /// <summary>The side's RDMA READs counted on I/O qpair <paramref name="qpair"/> so far.</summary>
    public long ReadsSubmitted(int qpair) => _readsSubmitted[qpair];

    /// <summary>Fires the timed actions whose point has come and whose QP is live. Returns the calls made.</summary>
    public int Poll()
    {
        if (_finished)
        {
            return 0;
        }

        var progress = _site.Progress;
        while (_nextTimed < _timed.Length && progress >= Threshold(_timed[_nextTimed]))
        {
            _due.Add(_timed[_nextTimed++]);
        }

        var work = _silences.Count == 0 ? 0 : FireSilences();
        for (var i = _due.Count - 1; i >= 0; i--)
        {
            if (TryFire(_due[i], ref work))
            {
                _due.RemoveAt(i);
            }
        }

        return work;
    }

    /// <summary>
    /// The host submitted a WRITE of <paramref name="bytes"/> from <paramref name="buffer"/> on I/O qpair
    /// <paramref name="qpair"/>: counts the target READs it costs and fires the under-READ actions it reaches. No allocation
    /// unless an action fires.
    /// </summary>
    public void OnWriteSubmitted(int qpair, int bytes, DmaBuffer buffer)
    {
        if (_finished || (uint)qpair >= (uint)_readsSubmitted.Length || bytes <= _inCapsuleBytes)
        {
            return; // in-capsule data: the target reads nothing
        }

        _readsSubmitted[qpair] += (bytes + _readBytes - 1) / _readBytes;
        var actions = _underRead[qpair];
        while (_nextUnderRead[qpair] < actions.Length && actions[_nextUnderRead[qpair]].NthRead <= _readsSubmitted[qpair])
        {
            FireUnderRead(actions[_nextUnderRead[qpair]++], buffer);
        }
    }

    /// <summary>Ends the run: every action not made is logged as not injected, with why. Returns the whole log.</summary>
    public IReadOnlyList<InjectedAction> Finish(string why)
    {
        if (_finished)
        {
            return _log;
        }

        _finished = true;
        foreach (var (a, _) in _silences)
        {
            NotInjected(a, $"the run ended before the silence was due ({why})");
        }

        foreach (var a in _due)
        {
            NotInjected(a, $"its point of the I/O came but its QP ({QpText(a)}) was not live before the run ended ({why})");
        }

        for (var i = _nextTimed; i < _timed.Length; i++)
        {
            NotInjected(_timed[i], string.Create(CultureInfo.InvariantCulture, $"the run ended at progress {_site.Progress} before its point {Threshold(_timed[i])} ({why})"));
        }

        for (var q = 0; q < _underRead.Length; q++)
        {
            for (var i = _nextUnderRead[q]; i < _underRead[q].Length; i++)
            {
                NotInjected(_underRead[q][i], string.Create(CultureInfo.InvariantCulture, $"I/O qpair {q + 1} submitted WRITEs carrying {_readsSubmitted[q]} READs, fewer than {_underRead[q][i].NthRead} ({why})"));
            }
        }

        return _log;
    }

    private long Threshold(HardwareAction a) => (long)Math.Ceiling(a.AtFraction * _ios);

    private bool TryFire(HardwareAction a, ref int work)
    {
        if (a.Kind is HardwareActionKind.ControllerReset or HardwareActionKind.ControllerDeleteAndReattach)
        {
            var kind = a.Kind == HardwareActionKind.ControllerReset ? ControllerActionKind.Reset : ControllerActionKind.DeleteAndReattach;
            Record(a, kind == ControllerActionKind.Reset ? "spdk_nvme_ctrlr_reset (requested)" : "controller delete and re-attach (requested)", "the controller", _site.RequestControllerAction(kind));
            work++;
            return true;
        }

        _scratch.Clear();
        switch (_site.Find(a.Qp, _scratch))
        {
            case FaultQpLookup.NotYet:
                return false;
            case FaultQpLookup.Gone:
                NotInjected(a, $"{QpText(a)} was gone (destroyed, disconnecting, or never part of this run) at the fault's point");
                return true;
        }

        foreach (var target in _scratch)
        {
            var rc = a.Kind == HardwareActionKind.ForceQpError
                ? target.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State)
                : target.CmId.Disconnect();
            Record(a, a.Kind == HardwareActionKind.ForceQpError ? "ibv_modify_qp(IBV_QPS_ERR)" : "rdma_disconnect", target.Name, rc);
            work++;
        }

        return true;
    }

    private void FireUnderRead(HardwareAction a, DmaBuffer buffer)
    {
        if (a.Kind == HardwareActionKind.DeregisterUnderRead)
        {
            var rc = _site.DeregisterData(a.Qpair, buffer, out var rkey);
            Record(a, string.Create(CultureInfo.InvariantCulture, $"ibv_dereg_mr (rkey 0x{rkey:x}) at READ #{_readsSubmitted[a.Qpair]}"), string.Create(CultureInfo.InvariantCulture, $"the data MR of I/O qpair {a.Qpair + 1}"), rc);
            return;
        }

        _silences.Add((a, _clock.NowNs + SilenceDelayNs));
    }

    /// <summary>Silences the QPs whose delay after their WRITE has passed. Returns the calls made.</summary>
    private int FireSilences()
    {
        var now = _clock.NowNs;
        var work = 0;
        for (var i = _silences.Count - 1; i >= 0; i--)
        {
            var (a, at) = _silences[i];
            if (now < at)
            {
                continue;
            }

            _silences.RemoveAt(i);
            work++;
            _scratch.Clear();
            if (_site.Find(a.Qpair + 1, _scratch) != FaultQpLookup.Found)
            {
                NotInjected(a, string.Create(CultureInfo.InvariantCulture, $"I/O qpair {a.Qpair + 1} was no longer running {SilenceDelayNs / 1e3:0.#} µs after its WRITE"));
                continue;
            }

            var silenced = _scratch[0];
            Record(a, string.Create(CultureInfo.InvariantCulture, $"ibv_modify_qp(IBV_QPS_RESET) after READ #{_readsSubmitted[a.Qpair]} was submitted"), silenced.Name,
                silenced.Qp.Modify(new QpAttr { QpState = QpState.Reset }, QpAttrMask.State));
            Silenced?.Invoke(a.Qpair, silenced);
        }

        return work;
    }

    private void Record(HardwareAction a, string call, string on, int rc)
    {
        var entry = new InjectedAction(_clock.NowNs - _startNs, a, call, on, rc);
        _log.Add(entry);
        _sink?.Invoke(entry);
    }

    private void NotInjected(HardwareAction a, string why)
    {
        var entry = new InjectedAction(_clock.NowNs - _startNs, a, why, string.Empty, Errno.Ok, Injected: false);
        _log.Add(entry);
        _sink?.Invoke(entry);
    }

    private static string QpText(HardwareAction a) => a.Qp == null
        ? $"every {a.Side.ToName()} QP"
        : string.Create(CultureInfo.InvariantCulture, $"{a.Side.ToName()} QP #{a.Qp}");
}
