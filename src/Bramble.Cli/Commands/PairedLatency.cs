using Bramble.Compression.Decomposition;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Cli.Commands;

/// <summary>
/// Whole-model latency of an original and a compressed model measured in alternation (before, after, before,
/// after, ...), so both see the same machine load; each is the minimum over rounds of a round's median, the
/// figure least disturbed by other processes. Measured one after the other, minutes apart on a busy machine,
/// the two numbers could differ by several times for reasons that have nothing to do with the models.
/// </summary>
internal static class PairedLatency
{
    public static (double BeforeMs, double AfterMs) Measure(Model before, Model after, IReadOnlyDictionary<string, Tensor> input,
        SessionOptions options, int iterations, int rounds = 3)
    {
        double b = double.PositiveInfinity, a = double.PositiveInfinity;
        for (int r = 0; r < rounds; r++)
        {
            b = Math.Min(b, DecompositionEvaluator.Latency(before, input, options, iterations).Ms);
            a = Math.Min(a, DecompositionEvaluator.Latency(after, input, options, iterations).Ms);
        }
        return (b, a);
    }
}
