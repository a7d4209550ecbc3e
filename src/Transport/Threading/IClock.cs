namespace Harness.Transport.Threading;

/// <summary>
/// Monotonic time for timeouts and deadlines. The simulator supplies virtual time; the native backend a
/// monotonic clock. Transport code never reads the wall clock directly.
/// </summary>
public interface IClock
{
    /// <summary>Nanoseconds since an arbitrary origin.</summary>
    long NowNs { get; }
}
