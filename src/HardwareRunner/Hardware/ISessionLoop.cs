using Harness.HardwareRunner.Native;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The loop a <see cref="HardwareSession"/> runs in: the reactors it creates its pollers on, and a way to run them until a
/// condition holds. On hardware it is <see cref="NativeSessionLoop"/> (a manual native runtime polled by the calling
/// thread); tests run the same session code in the simulator's loop.
/// </summary>
public interface ISessionLoop
{
    /// <summary>Where the session's sides and executors put their pollers.</summary>
    IReactorRuntime Reactors { get; }

    /// <summary>Runs every reactor until <paramref name="done"/> holds. A poller's exception propagates.</summary>
    void RunUntil(Func<bool> done);
}

/// <summary>The hardware loop: every reactor of a <see cref="NativeReactorMode.Manual"/> runtime in turn, on the calling thread.</summary>
public sealed class NativeSessionLoop : ISessionLoop
{
    private readonly NativeReactorRuntime _runtime;

    public NativeSessionLoop(NativeReactorRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (runtime.Mode != NativeReactorMode.Manual)
        {
            throw new ArgumentException($"a hardware session drives its reactors itself; the runtime must be Manual, not {runtime.Mode}", nameof(runtime));
        }

        _runtime = runtime;
    }

    /// <inheritdoc/>
    public IReactorRuntime Reactors => _runtime;

    /// <inheritdoc/>
    public void RunUntil(Func<bool> done) => _runtime.RunUntil(done, TimeSpan.MaxValue);
}
