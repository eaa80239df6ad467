using Bramble.Graph;
using Bramble.Quantization;
using Bramble.Runtime;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>Prints `bramble quantize --study`: the bit-width accuracy table, then int8 vs float latency and weight size.</summary>
internal static class QuantizeStudyReport
{
    public static void Print(CliContext context, string path, StudyResult result)
    {
        var console = context.Console;
        console.WriteLine($"Study of {path}: {result.Metric} on {result.Samples} samples (rows: weight bits, columns: activation bits)");
        var table = new Table().AddColumn("weights \\ activations");
        foreach (int a in result.ActivationBits) table.AddColumn($"a{a}");
        string Format(double v) => result.Metric.StartsWith("top-1") ? v.ToString("F2") : v.ToString("F5");
        for (int i = 0; i < result.WeightBits.Count; i++)
        {
            var row = new List<string> { $"w{result.WeightBits[i]}" };
            for (int j = 0; j < result.ActivationBits.Count; j++) row.Add(Format(result.Scores[i, j]));
            table.AddRow(row.ToArray());
        }
        console.Write(table);
        console.WriteLine($"float32: {Format(result.FloatScore)}");
    }

    /// <summary>Latency (alternating runs, one thread: thread CPU time) and weight bytes of the 8-bit model against the float one.</summary>
    public static void PrintCost(CliContext context, Model floatModel, Model int8Model, QuantizeReport report, CalibrationSource source, Dictionary<string, int[]> shapes)
    {
        var input = floatModel.Graph.RealInputs.Single();
        var sample = source.Samples(input, 1).First();
        using (sample)
        {
            var options = new SessionOptions { InputShapes = shapes, Threads = 1 };
            var (floatMs, int8Ms) = PairedLatency.Measure(floatModel, int8Model, new Dictionary<string, Tensor> { [input.Name] = sample }, options, iterations: 10);
            context.Out.WriteLine($"latency (batch 1, fastest of alternating runs, {PairedLatency.Clock(options)}): float32 {floatMs:F3} ms, int8 {int8Ms:F3} ms ({int8Ms / floatMs:F2}x)");
        }
        context.Out.WriteLine($"weights: float32 {report.FloatWeightBytes:N0} bytes, int8 {report.QuantizedWeightBytes:N0} bytes " +
            $"({(double)report.FloatWeightBytes / Math.Max(1, report.QuantizedWeightBytes):F2}x smaller)");
    }
}
