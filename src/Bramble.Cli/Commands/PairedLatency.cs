using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
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
internal static class PairedLatency
{
    public static (double BeforeMs, double AfterMs) Measure(Model before, Model after, IReadOnlyDictionary<string, Tensor> input,
        SessionOptions options, int iterations, int warmup = 2)
    {
        using var first = new InferenceSession(before, options);
        using var second = new InferenceSession(after, options);
        bool cpuTime = ThreadClock.IsCpuTime(options.Threads);
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
    public static string Clock(SessionOptions options) => ThreadClock.Describe(options.Threads);

    private static double Time(InferenceSession session, IReadOnlyDictionary<string, Tensor> input, bool cpuTime)
    {
        double start = ThreadClock.NowMs(cpuTime);
        var outputs = session.Run(input);
        double ms = ThreadClock.NowMs(cpuTime) - start;
        foreach (var t in outputs.Values) t.Dispose();
        return ms;
    }
}
