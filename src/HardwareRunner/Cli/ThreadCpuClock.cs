using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// CPU time of the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>): what one simulation costs even
/// when a sweep runs others beside it. Elsewhere, or if the call fails, the wall clock stands in (said by <see cref="IsCpuTime"/>).
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID, <time.h> on Linux
    private const long NsPerSecond = 1_000_000_000;

    /// <summary>True when <see cref="NowNs"/> reads the thread's CPU time, false when it falls back to the wall clock.</summary>
    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out _) == 0;

    /// <summary>The calling thread's CPU time in nanoseconds (or the wall clock's, see <see cref="IsCpuTime"/>).</summary>
    public static long NowNs()
    {
        if (IsCpuTime && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return (ts.Seconds * NsPerSecond) + ts.Nanoseconds;
        }

        return (long)(Stopwatch.GetTimestamp() * ((double)NsPerSecond / Stopwatch.Frequency));
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
