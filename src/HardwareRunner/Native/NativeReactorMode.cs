namespace Harness.HardwareRunner.Native;

/// <summary>How <see cref="NativeReactorRuntime"/> runs its reactors.</summary>
public enum NativeReactorMode
{
    /// <summary>
    /// One background thread runs every reactor in turn (the default): the transport sees the same one-at-a-time
    /// scheduling as in the simulator's cooperative mode, but on real time and a real NIC.
    /// </summary>
    SingleThread,

    /// <summary>One background thread per reactor, as SPDK runs one reactor per core.</summary>
    ThreadPerReactor,

    /// <summary>No thread: the caller drives the reactors with <see cref="NativeReactorRuntime.PollOnce"/> or <see cref="NativeReactorRuntime.RunUntil"/>.</summary>
    Manual,
}
