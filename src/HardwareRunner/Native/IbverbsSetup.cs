namespace Harness.HardwareRunner.Native;

/// <summary>What <see cref="IbverbsServiceCollectionExtensions.AddIbverbs"/> registers.</summary>
public sealed record IbverbsSetup
{
    /// <summary>Device filter and host name of the stack.</summary>
    public NativeStackOptions Stack { get; init; } = new();

    /// <summary>
    /// Keys under which the stack is registered as a keyed <see cref="Transport.Verbs.IRdmaStack"/> (as
    /// <c>AddSimulatedFabric</c> registers one per host). A process on hardware is usually one role ("target" or
    /// "host"); a loopback run gives both keys, which then share the one stack. Defaults to the stack's host name.
    /// </summary>
    public IReadOnlyList<string>? HostKeys { get; init; }

    public NativeReactorMode ReactorMode { get; init; } = NativeReactorMode.SingleThread;

    /// <summary>The rdma-core libraries to load (tests name a missing one to see the "library missing" path end to end).</summary>
    internal NativeLibraryNames Libraries { get; init; } = NativeLibraryNames.Default;

    /// <summary>Sleep of an idle reactor thread after spinning and yielding (zero: never sleeps).</summary>
    public TimeSpan ReactorIdleSleep { get; init; }
}
