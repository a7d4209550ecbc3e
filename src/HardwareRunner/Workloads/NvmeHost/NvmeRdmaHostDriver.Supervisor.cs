using System.Globalization;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// The supervisor (bdev_nvme's part, on the admin thread after the controller's own poll): creates the I/O qpairs once
/// the controller is ready, reconnects failed qpairs with backoff, resets a failed controller, runs the timed controller
/// actions, re-attaches after a deletion and finishes the shutdown. Every retry has a bound
/// (<see cref="NvmeHostDriverOptions.ConsecutiveFailuresMax"/>, <see cref="NvmeHostDriverOptions.ReconnectsMax"/>).
/// </summary>
public sealed partial class NvmeRdmaHostDriver
{
    private int _nextAction;
    private bool _ctrlrWasReady;
    private bool _teardownReported;
    private int _ctrlrConsecutiveFailures;
    private long _ctrlrResetAtNs = HostQpairSlot.NoReconnect;
    private long _cmEventsOfEarlierControllers;
    private int _adminConnectsSeen;
    private readonly Queue<ControllerActionKind> _requestedActions = new();

    /// <summary>The one transition function of <see cref="HostDriverPhase"/>: each target phase asserts where it may come from.</summary>
    private void SetPhase(HostDriverPhase next)
    {
        var from = _phase;
        var legal = next switch
        {
            HostDriverPhase.Attaching => from is HostDriverPhase.Idle or HostDriverPhase.Reattaching,
            HostDriverPhase.Running => from == HostDriverPhase.Attaching,
            HostDriverPhase.Reattaching => from is HostDriverPhase.Attaching or HostDriverPhase.Running,
            HostDriverPhase.GaveUp => from is HostDriverPhase.Attaching or HostDriverPhase.Running,
            HostDriverPhase.ShuttingDown => from is not (HostDriverPhase.ShuttingDown or HostDriverPhase.Closed),
            HostDriverPhase.Closed => from == HostDriverPhase.ShuttingDown,
            _ => false,
        };
        Check.That(legal, InvariantNames.StateTransition, (from, next), s => $"host driver: {s.from} -> {s.next} is not a transition of the driver");
        _phase = next;
    }

    /// <summary>The supervisor poller. Returns work done.</summary>
    private int Supervise()
    {
        if (_phase is HostDriverPhase.Idle or HostDriverPhase.Closed || _ctrlr is not { } ctrlr)
        {
            return 0;
        }

        var now = _stack.Clock.NowNs;
        UpdateCounters(ctrlr);
        var work = _phase switch
        {
            HostDriverPhase.ShuttingDown => StepShutdown(ctrlr, now),
            HostDriverPhase.Reattaching => StepReattach(ctrlr),
            HostDriverPhase.GaveUp => 0,
            _ => RunTimedAction(ctrlr, now) + StepController(ctrlr, now),
        };
        if (_phase == HostDriverPhase.Running && ctrlr.State == ControllerState.Ready)
        {
            foreach (var slot in _slots)
            {
                work += SuperviseQpair(slot, now);
            }
        }

        CheckTeardown(ctrlr);
        return work;
    }

    /// <summary>
    /// The supervisor's timers that <see cref="Supervise"/> compares with the clock: the controller's reset backoff, each
    /// qpair's reconnect backoff, and the next timed controller action.
    /// </summary>
    private long SupervisorNextRunNs()
    {
        var next = new NextRun(_stack.Clock.NowNs);
        if (_phase is HostDriverPhase.Idle or HostDriverPhase.Closed or HostDriverPhase.GaveUp)
        {
            return next.Ns;
        }

        next.Add(_ctrlrResetAtNs); // NoReconnect (-1) is never ahead
        foreach (var slot in _slots)
        {
            if (!slot.GaveUp)
            {
                next.Add(slot.ReconnectAtNs);
            }
        }

        if (_nextAction < _o.ControllerActions.Count)
        {
            next.Add(_o.ControllerActions[_nextAction].AtNs);
        }

        return next.Ns;
    }

    /// <summary>Controller readiness (create or re-expect the I/O qpairs) and failure (reset with backoff, bounded).</summary>
    private int StepController(NvmeRdmaController ctrlr, long now)
    {
        var ready = ctrlr.State == ControllerState.Ready;
        var work = 0;
        if (ready && !_ctrlrWasReady)
        {
            work++;
            _ctrlrConsecutiveFailures = 0;
            if (_phase == HostDriverPhase.Attaching)
            {
                CreateIoQpairs(ctrlr);
            }
        }

        _ctrlrWasReady = ready;
        return work + (ctrlr.State == ControllerState.Failed ? RecoverController(ctrlr, now) : 0);
    }

    private void CreateIoQpairs(NvmeRdmaController ctrlr)
    {
        var granted = ctrlr.IoQueuesAllocated;
        foreach (var slot in _slots)
        {
            if (slot.GaveUp)
            {
                continue;
            }

            if (slot.Index >= granted)
            {
                GiveUp(slot, string.Create(CultureInfo.InvariantCulture, $"the controller granted only {granted} I/O queues"));
                continue;
            }

            slot.Adopt(ctrlr.CreateIoQpair(_groups[slot.Index], _o.IoQueueDepth + 1));
        }

        SetPhase(HostDriverPhase.Running);
        Log(string.Create(CultureInfo.InvariantCulture, $"controller {ctrlr.Name} attached (cntlid {ctrlr.Cntlid}), {_slots.Length} I/O qpair(s)"));
    }

    /// <summary>A failed controller: reset after a backoff, or give everything up once the budget is spent.</summary>
    private int RecoverController(NvmeRdmaController ctrlr, long now)
    {
        if (_ctrlrResetAtNs == HostQpairSlot.NoReconnect)
        {
            _ctrlrConsecutiveFailures++;
            Counters.QpairsFailed++;
            NoteFailure(string.Create(CultureInfo.InvariantCulture, $"[{now} ns] controller {ctrlr.Name} failed (admin qpair {ctrlr.AdminQpair.FailureReason})"));
            if (_ctrlrConsecutiveFailures > _o.ConsecutiveFailuresMax || Counters.ControllerResets >= _o.ReconnectsMax)
            {
                Log($"controller {ctrlr.Name}: giving up after {_ctrlrConsecutiveFailures} consecutive failures");
                SetPhase(HostDriverPhase.GaveUp);
                Array.ForEach(_slots, s => GiveUp(s, "the controller was given up"));
                ctrlr.Delete();
                return 1;
            }

            _ctrlrResetAtNs = now + Backoff(_ctrlrConsecutiveFailures);
            return 1;
        }

        if (now < _ctrlrResetAtNs)
        {
            return 0;
        }

        _ctrlrResetAtNs = HostQpairSlot.NoReconnect;
        Counters.Reconnects++;
        Log($"controller {ctrlr.Name}: resetting after a failure");
        Reset(ctrlr);
        return 1;
    }

    /// <summary>One I/O qpair: count its connects; a disconnected one is a failure, reconnected after a backoff or given up.</summary>
    private int SuperviseQpair(HostQpairSlot slot, long now)
    {
        if (slot.GaveUp || slot.Qpair is not { IsFreed: false } q)
        {
            return 0;
        }

        if (q.Connects != slot.ConnectsSeen)
        {
            Counters.QpairsConnected += q.Connects - slot.ConnectsSeen;
            slot.ConnectsSeen = q.Connects;
            slot.ConsecutiveFailures = 0;
        }

        if (slot.AwaitingConnect && q.ConnectAttempts != slot.AttemptsAtRequest)
        {
            slot.AwaitingConnect = false; // the qpair started the connect we asked for
        }

        if (q.State is not (NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid) || slot.AwaitingConnect)
        {
            return 0;
        }

        if (slot.ReconnectAtNs == HostQpairSlot.NoReconnect)
        {
            return OnQpairFailed(slot, q, now);
        }

        if (now < slot.ReconnectAtNs)
        {
            return 0;
        }

        slot.ExpectConnect(q);
        slot.Reconnects++;
        Counters.Reconnects++;
        q.Reconnect();
        return 1;
    }

    private int OnQpairFailed(HostQpairSlot slot, NvmeRdmaQpair q, long now)
    {
        slot.ConsecutiveFailures++;
        Counters.QpairsFailed++;
        NoteFailure(string.Create(CultureInfo.InvariantCulture, $"[{now} ns] {q.Name} failed ({q.FailureReason}) after {q.Connects} connect(s)"));
        if (slot.ConsecutiveFailures > _o.ConsecutiveFailuresMax || slot.Reconnects >= _o.ReconnectsMax)
        {
            GiveUp(slot, string.Create(CultureInfo.InvariantCulture, $"{slot.ConsecutiveFailures} consecutive failures, {slot.Reconnects} reconnects"));
            return 1;
        }

        slot.ReconnectAtNs = now + Backoff(slot.ConsecutiveFailures);
        return 1;
    }

    private void GiveUp(HostQpairSlot slot, string why)
    {
        if (slot.GaveUp)
        {
            return;
        }

        slot.GaveUp = true;
        slot.Qpair?.Free();
        Log(string.Create(CultureInfo.InvariantCulture, $"I/O qpair {slot.Index + 1}: giving up ({why})"));
    }

    /// <summary>The next due controller action (reset, delete and re-attach), while the controller is running.</summary>
    private int RunTimedAction(NvmeRdmaController ctrlr, long now)
    {
        var actions = _o.ControllerActions;
        var timed = _nextAction < actions.Count && now >= actions[_nextAction].AtNs;
        if ((!timed && _requestedActions.Count == 0) || _phase != HostDriverPhase.Running || ctrlr.State != ControllerState.Ready)
        {
            return 0;
        }

        var action = timed ? actions[_nextAction++] : new ControllerAction(now, _requestedActions.Dequeue());
        Log(string.Create(CultureInfo.InvariantCulture, $"controller action {action.Kind} on {ctrlr.Name} with qpairs {string.Join(", ", _slots.Select(s => s.Qpair?.State.ToSpdkName() ?? "none"))}"));
        if (action.Kind == ControllerActionKind.Reset)
        {
            Reset(ctrlr);
        }
        else
        {
            SetPhase(HostDriverPhase.Reattaching);
            ctrlr.Delete();
        }

        return 1;
    }

    /// <summary>
    /// spdk_nvme_ctrlr_reset: the controller disconnects every qpair and reconnects the I/O qpairs itself once it is
    /// ready again, so each live qpair is expected to start a connect (its attempt count now is the baseline).
    /// </summary>
    private void Reset(NvmeRdmaController ctrlr)
    {
        Counters.ControllerResets++;
        foreach (var slot in _slots)
        {
            if (slot.Qpair is { IsFreed: false } q && !slot.GaveUp)
            {
                slot.ExpectConnect(q);
            }
        }

        ctrlr.Reset();
    }

    /// <summary>The deleted controller is gone: attach a new one (its qpairs are created once it is ready).</summary>
    private int StepReattach(NvmeRdmaController ctrlr)
    {
        if (ctrlr.State != ControllerState.Deleted)
        {
            return 0;
        }

        _cmEventsOfEarlierControllers += ctrlr.CmEventsGot;
        foreach (var slot in _slots)
        {
            slot.Qpair = null;
        }

        _ctrlrWasReady = false;
        _adminConnectsSeen = 0;
        Attach();
        return 1;
    }

    private int StepShutdown(NvmeRdmaController ctrlr, long now)
    {
        if (ctrlr.State != ControllerState.Deleted)
        {
            ctrlr.Delete(); // idempotent: also covers a controller that was being re-attached or given up
            return 0;
        }

        foreach (var group in _groups)
        {
            group.Dispose();
        }

        _cmEventsOfEarlierControllers += ctrlr.CmEventsGot;
        SetPhase(HostDriverPhase.Closed);
        Log(string.Create(CultureInfo.InvariantCulture, $"[{now} ns] controller deleted, poll groups destroyed"));
        return 1;
    }

    /// <summary>A deletion or reset that cannot finish is what the field sees as "NVMe path still exists after delete".</summary>
    private void CheckTeardown(NvmeRdmaController ctrlr)
    {
        if (!ctrlr.TeardownTimedOut || _teardownReported)
        {
            return;
        }

        _teardownReported = true;
        _sink.OnViolation(WorkloadMonitor.NoProgress, string.Create(CultureInfo.InvariantCulture,
            $"bdev_nvme_delete_complete_poll: NVMe path '{ctrlr.Name}' still exists after delete: the controller's teardown did not finish within {_hostOptions.ControllerTeardownTimeoutNs / 1e9:0.#} s ({Describe()})"));
    }

    private void UpdateCounters(NvmeRdmaController ctrlr)
    {
        Counters.CmEvents = _cmEventsOfEarlierControllers + ctrlr.CmEventsGot;
        if (ctrlr.AdminQpair.Connects != _adminConnectsSeen)
        {
            Counters.QpairsConnected += ctrlr.AdminQpair.Connects - _adminConnectsSeen;
            _adminConnectsSeen = ctrlr.AdminQpair.Connects;
        }

        long aborted = 0;
        foreach (var slot in _slots)
        {
            aborted += Volatile.Read(ref slot.Aborted);
            if (slot.Qpair is { } q && q.CmEventTimeouts != slot.CmEventTimeoutsSeen)
            {
                Counters.CmEventTimeouts += q.CmEventTimeouts - slot.CmEventTimeoutsSeen;
                slot.CmEventTimeoutsSeen = q.CmEventTimeouts;
            }
        }

        Counters.AbortedByDisconnect = aborted;
    }

    private long Backoff(int failures) => Math.Min(_o.ReconnectDelayNsMax, _o.ReconnectDelayNs << Math.Min(failures - 1, 30));

    private void NoteFailure(string line)
    {
        if (Counters.FailureReasons.Count < NvmeHostDriverOptions.FailureReasonsMax)
        {
            Counters.FailureReasons.Add(line);
        }
    }
}
