using Harness.Transport.Target;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The target's invariants as the harness checks them after each poll of a target reactor. By default
/// <see cref="TargetInvariants.CheckChanged"/>: the checks of the full walk, only for the qpairs, shared receive queues
/// and iobuf pools whose mutation counts moved since they were last checked (a busy poll touches one or two of them; an
/// idle one none, and then the check is a loop over the qpairs). The full walk (<see cref="TargetInvariants.CheckAll"/>)
/// after every poll was a fifth of a sweep's CPU time (perf); it still ends every run (<see cref="Walk"/>), and
/// <see cref="EveryPoll"/> (<c>--paranoid</c>) does it after every poll, for a write the mutation counts do not see (a
/// field no setter guards, such as an entry of a request's buffer array). <see cref="AfterEachPoll"/> (bounded liveness,
/// which counts polls) runs after every poll either way.
/// </summary>
internal sealed class TargetOracle
{
    private readonly NvmfRdmaTransport _transport;

    public TargetOracle(NvmfRdmaTransport transport, bool everyPoll, Action? afterEachPoll = null)
    {
        _transport = transport;
        EveryPoll = everyPoll;
        AfterEachPoll = afterEachPoll;
    }

    /// <summary>True: the full walk follows every poll (<c>--paranoid</c>).</summary>
    public bool EveryPoll { get; }

    /// <summary>Runs after every poll (null: nothing).</summary>
    public Action? AfterEachPoll { get; }

    /// <summary>Full walks done so far.</summary>
    public long Walks { get; private set; }

    /// <summary>What the checks of what changed saw last, and how many qpairs they checked and left alone.</summary>
    public TargetCheckMemo Memo { get; } = new();

    /// <summary>The full walk now (the end of a run, or after every poll when paranoid).</summary>
    public void Walk()
    {
        Walks++;
        TargetInvariants.CheckAll(_transport);
    }

    /// <summary>After each poll of a target reactor's poller.</summary>
    public void AfterPoll()
    {
        if (EveryPoll)
        {
            Walk();
        }
        else
        {
            TargetInvariants.CheckChanged(_transport, Memo);
        }

        AfterEachPoll?.Invoke();
    }
}
