namespace Harness.HardwareRunner.Native;

/// <summary>Thrown when the native backend is asked for (dependency injection) on a machine that cannot run it.</summary>
public sealed class NativeStackUnavailableException : Exception
{
    public NativeStackUnavailableException(NativeOpenStatus status, string problem)
        : base(problem) => Status = status;

    /// <summary>Which problem (library missing, no kernel support, no devices, …).</summary>
    public NativeOpenStatus Status { get; }
}
