namespace Harness.Transport.Threading;

/// <summary>
/// Told when a thread reaches a <see cref="MeetingPoint"/>. Null in production and in the simulator's single-threaded
/// runs (nothing is done); Coyote tests put a scheduling point there.
/// </summary>
public interface IMeetingPoints
{
    /// <summary>The current thread reached <paramref name="point"/>.</summary>
    void At(MeetingPoint point);
}
