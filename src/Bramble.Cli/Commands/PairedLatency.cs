using System.Diagnostics;
using System.Runtime.InteropServices;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Cli.Commands;

/// <summary>
/// Whole-model latency of an original and a compressed model, run in alternation (before, after, before,
/// after, ...) so that both see the same machine load, reported as the fastest run of each: on a shared
/// machine the minimum is the figure least disturbed by other processes. Measured one after the other,
/// minutes apart on a busy machine, two medians can differ several times for reasons unrelated to the models.
/// With one thread the session runs on the calling thread, so its CPU time is measured instead of wall time:
/// time the thread spent preempted by other processes then does not count at all.
/// </summary>
internal static partial class PairedLatency
{
    public static (double BeforeMs, double AfterMs) Measure(Model before, Model after, IReadOnlyDictionary<string, Tensor> input,
        SessionOptions options, int iterations, int warmup = 2)
    {
        using var first = new InferenceSession(before, options);
        using var second = new InferenceSession(after, options);
        bool cpuTime = options.Threads == 1 && ThreadCpuMs() >= 0;
        double b = double.PositiveInfinity, a = double.PositiveInfinity;
        // Three times the requested iterations: cheap for the small models this is used on, and steadier minima.
        for (int i = -warmup; i < 3 * iterations; i++)
        {
            double tb = Time(first, input, cpuTime), ta = Time(second, input, cpuTime);
            if (i < 0) continue;
            b = Math.Min(b, tb);
            a = Math.Min(a, ta);
        }
        return (b, a);
    }

    /// <summary>What <see cref="Measure"/> times with these options, for report labels.</summary>
    public static string Clock(SessionOptions options) => options.Threads == 1 && ThreadCpuMs() >= 0 ? "thread CPU time" : "wall time";

    private static double Time(InferenceSession session, IReadOnlyDictionary<string, Tensor> input, bool cpuTime)
    {
        long start = Stopwatch.GetTimestamp();
        double cpuStart = cpuTime ? ThreadCpuMs() : 0;
        var outputs = session.Run(input);
        double ms = cpuTime ? ThreadCpuMs() - cpuStart : Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        foreach (var t in outputs.Values) t.Dispose();
        return ms;
    }

    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockThreadCpuTime = 3;

    /// <summary>CPU milliseconds used by the calling thread (Linux), or −1 where that clock is unavailable.</summary>
    private static double ThreadCpuMs()
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
