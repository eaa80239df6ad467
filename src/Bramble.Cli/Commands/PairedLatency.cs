using System.Diagnostics;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Cli.Commands;

/// <summary>
/// Whole-model latency of an original and a compressed model, run in alternation (before, after, before,
/// after, ...) so that both see the same machine load, reported as the fastest run of each: on a shared
/// machine the minimum is the figure least disturbed by other processes. Measured one after the other,
/// minutes apart on a busy machine, two medians can differ several times for reasons unrelated to the models.
/// </summary>
internal static class PairedLatency
{
    public static (double BeforeMs, double AfterMs) Measure(Model before, Model after, IReadOnlyDictionary<string, Tensor> input,
        SessionOptions options, int iterations, int warmup = 2)
    {
        using var first = new InferenceSession(before, options);
        using var second = new InferenceSession(after, options);
        double b = double.PositiveInfinity, a = double.PositiveInfinity;
        // Three times the requested iterations: cheap for the small models this is used on, and steadier minima.
        for (int i = -warmup; i < 3 * iterations; i++)
        {
            double tb = Time(first, input), ta = Time(second, input);
            if (i < 0) continue;
            b = Math.Min(b, tb);
            a = Math.Min(a, ta);
        }
        return (b, a);
    }

    private static double Time(InferenceSession session, IReadOnlyDictionary<string, Tensor> input)
    {
        long start = Stopwatch.GetTimestamp();
        var outputs = session.Run(input);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        foreach (var t in outputs.Values) t.Dispose();
        return ms;
    }
}
