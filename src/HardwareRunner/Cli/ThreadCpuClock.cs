using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// CPU time of the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>): what one simulation costs even
/// when a sweep runs others beside it. Elsewhere, or if the call fails, the wall clock stands in (said by <see cref="IsCpuTime"/>).
/// <see cref="TryRead"/> reads any of the kernel's clocks (the benchmarks' process CPU clock uses it).
/// </summary>
public static partial class ThreadCpuClock
{
    /// <summary><c>CLOCK_PROCESS_CPUTIME_ID</c>, &lt;time.h&gt; on Linux.</summary>
    public const int ClockProcessCpuTimeId = 2;

    /// <summary><c>CLOCK_THREAD_CPUTIME_ID</c>, &lt;time.h&gt; on Linux.</summary>
    public const int ClockThreadCpuTimeId = 3;

    private const long NsPerSecond = 1_000_000_000;

    /// <summary>True when <see cref="NowNs"/> reads the thread's CPU time, false when it falls back to the wall clock.</summary>
    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && TryRead(ClockThreadCpuTimeId, out _, out _);

    /// <summary>The calling thread's CPU time in nanoseconds (or the wall clock's, see <see cref="IsCpuTime"/>).</summary>
    public static long NowNs() =>
        IsCpuTime && TryRead(ClockThreadCpuTimeId, out var ns, out _) ? ns : (long)(Stopwatch.GetTimestamp() * ((double)NsPerSecond / Stopwatch.Frequency));

    /// <summary><c>clock_gettime(<paramref name="clockId"/>)</c> in nanoseconds; false with the errno when it fails.</summary>
    public static bool TryRead(int clockId, out long ns, out int errno)
    {
        if (ClockGetTime(clockId, out var ts) != 0)
        {
            (ns, errno) = (0, Marshal.GetLastPInvokeError());
            return false;
        }

        (ns, errno) = ((ts.Seconds * NsPerSecond) + ts.Nanoseconds, 0);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
