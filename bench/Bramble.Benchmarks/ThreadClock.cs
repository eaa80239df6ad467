using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bramble.Benchmarks;

/// <summary>
/// Seconds of CPU time used by the calling thread (Linux), else wall time. On a shared machine the
/// wall clock also counts time the thread was preempted; thread CPU time does not, so single-thread
/// GFLOP/s stay meaningful under load.
/// </summary>
public static partial class ThreadClock
{
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockThreadCpuTime = 3;

    public static double Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var t) == 0)
            return t.Seconds + t.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }
}
