namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The bound on a whole hardware run (<c>--watchdog</c>): if the run is not over after <c>limit</c>, a thread of its own
/// calls <c>onExpired</c>, which reports the hang and ends the process. It exists because the interesting hang is one
/// no poll loop can notice: <c>rdma_destroy_id</c> blocking forever on an event nobody acks (SPDK #3347, the
/// <c>lingering-without-ctrlr-lock</c> defect) holds the reactors' thread inside librdmacm.
/// </summary>
public sealed class HardwareWatchdog : IDisposable
{
    private readonly ManualResetEventSlim _over = new();
    private readonly Thread _thread;

    public HardwareWatchdog(TimeSpan limit, Action onExpired)
    {
        ArgumentNullException.ThrowIfNull(onExpired);
        _thread = new Thread(() =>
        {
            if (!_over.Wait(limit))
            {
                onExpired();
            }
        })
        { IsBackground = true, Name = "harness.watchdog" };
        _thread.Start();
    }

    /// <summary>The run is over: the watchdog stands down (and is waited for, unless it is reporting).</summary>
    public void Dispose()
    {
        _over.Set();
        _thread.Join(TimeSpan.FromSeconds(1));
        _over.Dispose();
    }
}
