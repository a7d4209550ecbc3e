using Harness.Transport.Target;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The target's invariants (<see cref="TargetInvariants.CheckAll"/>, a walk of every live qpair, request, receive and
/// buffer) as the harness checks them after each poll of a target reactor. A poll that reported no work
/// (<c>SPDK_POLLER_IDLE</c>: SPDK's thread relies on it for its idle accounting, so a poller that changes state must not
/// say it) and moved no request (<see cref="NvmfRdmaTransport.StateChanges"/>) should have changed nothing the walk
/// looks at, so by default it is not followed by one: with parked reactors most polls are such (three in four in a
/// sweep's seed), and the walk was a quarter of a sweep's CPU time (perf). <see cref="EveryPoll"/> (<c>--paranoid</c>) walks
/// after every poll anyway, for a poller that would change state and say it did nothing. <see cref="AfterEachPoll"/>
/// (bounded liveness, which counts polls) runs after every poll either way.
/// </summary>
internal sealed class TargetOracle
{
    private readonly NvmfRdmaTransport _transport;
    private long _stateChangesSeen = -1;

    public TargetOracle(NvmfRdmaTransport transport, bool everyPoll, Action? afterEachPoll = null)
    {
        _transport = transport;
        EveryPoll = everyPoll;
        AfterEachPoll = afterEachPoll;
    }

    /// <summary>True: the walk follows every poll, idle ones too (<c>--paranoid</c>).</summary>
    public bool EveryPoll { get; }

    /// <summary>Runs after every poll, walked or not (null: nothing).</summary>
    public Action? AfterEachPoll { get; }

    /// <summary>Walks done so far.</summary>
    public long Walks { get; private set; }

    /// <summary>Polls not followed by a walk (idle, no request moved).</summary>
    public long Skipped { get; private set; }

    /// <summary>Walks now, whatever the last poll did (the end of a run: the state its last, idle polls left).</summary>
    public void Walk()
    {
        _stateChangesSeen = _transport.StateChanges;
        Walks++;
        TargetInvariants.CheckAll(_transport);
    }

    /// <summary>After a poll of a target reactor's poller that reported <paramref name="work"/>.</summary>
    public void AfterPoll(int work)
    {
        var changes = _transport.StateChanges;
        if (EveryPoll || work > 0 || changes != _stateChangesSeen)
        {
            Walk();
        }
        else
        {
            Skipped++;
        }

        AfterEachPoll?.Invoke();
    }
}
