using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bramble.Runtime.Profiling;

/// <summary>
/// The clock single-thread measurements use (layer pricing, paired model latency, benchmarks): CPU time of the
/// calling thread where the OS offers it (Linux) and the session runs on that one thread — on a shared machine it
/// does not count the time other processes hold the core — else wall time.
/// </summary>
public static partial class ThreadClock
{
    /// <summary>True when <see cref="NowMs"/> reads thread CPU time for sessions with <paramref name="threads"/> threads.</summary>
    public static bool IsCpuTime(int threads) => threads == 1 && CpuMs() >= 0;

    /// <summary>Milliseconds on the clock <see cref="IsCpuTime"/> describes.</summary>
    public static double NowMs(bool cpuTime) => cpuTime ? CpuMs() : Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;

    /// <summary>A label for reports.</summary>
    public static string Describe(int threads) => IsCpuTime(threads) ? "thread CPU time" : "wall time";

    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockThreadCpuTime = 3;

    /// <summary>CPU milliseconds used by the calling thread (Linux), or −1 where that clock is unavailable.</summary>
    private static double CpuMs()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            return ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds * 1e-6 : -1;
        }
        catch (DllNotFoundException)
        {
            return -1;
        }
    }
}
