namespace Harness.HardwareRunner.Cli;

/// <summary>The parts of a simulated <c>harness run</c> whose cost <see cref="RunPhases"/> measures, in the order they happen.</summary>
public enum RunPhase
{
    /// <summary>Settings checked, fault profile drawn, the simulated world, target and host built (no event yet).</summary>
    Setup,

    /// <summary>From the workload's start to its first I/O done: listen, controller and I/O qpair connects, admin commands.</summary>
    Connect,

    /// <summary>From the first I/O done to the last (with whatever faults, reconnects and resets fell in it).</summary>
    Io,

    /// <summary>From the last I/O done to both sides torn down: disconnects, lingering, qpair and controller destruction.</summary>
    Teardown,

    /// <summary>After the world stopped: the leak check and the summary.</summary>
    Check,

    /// <summary>After the summary: the world disposed, its DMA memory cleared and back in the pool (only a sweep reports it).</summary>
    Release,
}
