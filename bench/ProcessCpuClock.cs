using Harness.HardwareRunner.Cli;
using Perfolizer.Horology;

namespace Harness.Bench;

/// <summary>
/// BenchmarkDotNet's clock for this suite: the CPU time of the benchmark process (Linux
/// <c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID)</c>, nanoseconds), not the wall clock. The machine the figures come from
/// has 2 cores shared with other jobs (load averages of 8–25 during the runs): the wall time of an iteration grows by
/// whatever the neighbours take, which moved the same benchmark by nearly 3× between two runs, while the CPU time the
/// simulator spends per I/O only suffers from the caches it shares. Every simulation benchmark is single-threaded (the
/// cooperative world), so its CPU time is the time one core needs; the Coyote and FsCheck ones add the threads they use.
/// On an idle machine the two clocks should agree for the single-threaded benchmarks (not measured: it never was idle).
/// </summary>
public sealed class ProcessCpuClock : IClock
{
    private const long NsPerSecond = 1_000_000_000;

    public static readonly ProcessCpuClock Instance = new();

    /// <summary>Public for BenchmarkDotNet, which re-creates the job's clock in the benchmark process.</summary>
    public ProcessCpuClock()
    {
    }

    /// <inheritdoc/>
    public string Title => "process CPU time";

    /// <inheritdoc/>
    public bool IsAvailable => OperatingSystem.IsLinux();

    /// <inheritdoc/>
    public Frequency Frequency { get; } = new(NsPerSecond);

    /// <inheritdoc/>
    public long GetTimestamp() => ThreadCpuClock.TryRead(ThreadCpuClock.ClockProcessCpuTimeId, out var ns, out var errno)
        ? ns
        : throw new InvalidOperationException($"clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno {errno}");
}
