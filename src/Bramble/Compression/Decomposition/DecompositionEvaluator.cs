using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>Whole-model numbers for one model: MACs, median latency, weight bytes and (with labels) top-1 accuracy.</summary>
public sealed record ModelMetrics(long Macs, double LatencyMs, long WeightBytes, double? Accuracy);

/// <summary>Before/after numbers of a decomposition and how closely the final outputs agree.</summary>
public sealed record DecompositionEvaluation(ModelMetrics Before, ModelMetrics After, double MeanCosine, double MinCosine)
{
    /// <summary>Sum of the candidate layers' median times before and after.</summary>
    public double LayerMsBefore { get; init; }
    public double LayerMsAfter { get; init; }
}

/// <summary>
/// Measures a decomposition: per-node profiles of both models on the first evaluation input give each layer's
/// time before/after (the replacement nodes summed), sampled responses give each layer's output error, and
/// the final outputs give cosine agreement and, when labels are known, top-1 accuracy.
/// </summary>
public static class DecompositionEvaluator
{
    public static DecompositionEvaluation Evaluate(Model original, DecompositionResult result, CalibrationSet data,
        SessionOptions options, int iterations = 10, int samplesPerInput = 256)
    {
        var input = new Dictionary<string, Tensor> { [data.InputName] = data.Inputs[0] };
        var (beforeProfile, beforeMacs, beforeMs) = Profile(original, input, options, iterations);
        var (afterProfile, afterMacs, afterMs) = Profile(result.Model, input, options, iterations);
        double layersBefore = 0, layersAfter = 0;
        foreach (var layer in result.Layers)
        {
            layer.MsBefore = beforeProfile.GetValueOrDefault(layer.Name, double.NaN);
            layer.MsAfter = layer.Decomposed
                ? layer.Replacement.Sum(n => afterProfile.GetValueOrDefault(n, 0))
                : afterProfile.GetValueOrDefault(layer.Name, double.NaN);
            if (double.IsFinite(layer.MsBefore) && double.IsFinite(layer.MsAfter))
            {
                layersBefore += layer.MsBefore;
                layersAfter += layer.MsAfter;
            }
        }

        var outputs = result.Layers.Select(l => l.Output).ToList();
        if (outputs.Count > 0)
        {
            var exact = ResponseCollector.Collect(original, outputs, data, samplesPerInput, options);
            var approx = ResponseCollector.Collect(result.Model, outputs, data, samplesPerInput, options);
            foreach (var layer in result.Layers)
            {
                var y = exact[layer.Output].Data;
                var yh = approx[layer.Output].Data;
                double err = 0, norm = 0;
                for (int i = 0; i < y.Length; i++)
                {
                    err += (y[i] - yh[i]) * (y[i] - yh[i]);
                    norm += y[i] * y[i];
                }
                layer.OutputError = norm > 0 ? Math.Sqrt(err / norm) : Math.Sqrt(err);
            }
        }

        var finalBefore = ResponseCollector.FinalOutputs(original, data, options);
        var finalAfter = ResponseCollector.FinalOutputs(result.Model, data, options);
        double sum = 0, min = 1;
        for (int i = 0; i < finalBefore.Count; i++)
        {
            double c = Cosine(finalBefore[i], finalAfter[i]);
            sum += c;
            min = Math.Min(min, c);
        }
        return new DecompositionEvaluation(
            new ModelMetrics(beforeMacs, beforeMs, original.Graph.WeightBytes, Accuracy(finalBefore, data.Labels)),
            new ModelMetrics(afterMacs, afterMs, result.Model.Graph.WeightBytes, Accuracy(finalAfter, data.Labels)),
            sum / finalBefore.Count, min)
        { LayerMsBefore = layersBefore, LayerMsAfter = layersAfter };
    }

    /// <summary>Median whole-run time and MACs of <paramref name="model"/> on one input.</summary>
    public static (double Ms, long Macs) Latency(Model model, IReadOnlyDictionary<string, Tensor> input, SessionOptions options, int iterations)
    {
        var (_, macs, ms) = Profile(model, input, options, iterations);
        return (ms, macs);
    }

    /// <summary>
    /// Fastest of <paramref name="runs"/> runs of <paramref name="model"/> after two warm-up runs, in thread CPU time
    /// with one thread (robust on a shared machine), else wall time: see <see cref="ThreadClock"/>.
    /// </summary>
    public static double FastestMs(Model model, IReadOnlyDictionary<string, Tensor> input, SessionOptions options, int runs)
    {
        using var session = new InferenceSession(model, options);
        bool cpu = ThreadClock.IsCpuTime(options.Threads);
        double best = double.PositiveInfinity;
        for (int i = -2; i < runs; i++)
        {
            double start = ThreadClock.NowMs(cpu);
            var outputs = session.Run(input);
            double ms = ThreadClock.NowMs(cpu) - start;
            foreach (var t in outputs.Values) t.Dispose();
            if (i >= 0) best = Math.Min(best, ms);
        }
        return best;
    }

    private static (Dictionary<string, double> Nodes, long Macs, double Ms) Profile(Model model, IReadOnlyDictionary<string, Tensor> input,
        SessionOptions options, int iterations)
    {
        using var session = new InferenceSession(model, options);
        var report = session.Profile(input, iterations, warmup: 2);
        var nodes = new Dictionary<string, double>();
        foreach (var n in report.Nodes) nodes[n.Name] = nodes.GetValueOrDefault(n.Name) + n.MedianMs;
        return (nodes, report.TotalMacs, report.MedianRunMs);
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.Sqrt(na * nb + 1e-300);
    }

    /// <summary>Top-1 accuracy of argmax over each output vector against <paramref name="labels"/>; null without labels.</summary>
    public static double? Accuracy(List<float[]> outputs, int[]? labels)
    {
        if (labels == null) return null;
        int correct = 0;
        for (int i = 0; i < outputs.Count; i++)
        {
            var o = outputs[i];
            int best = 0;
            for (int j = 1; j < o.Length; j++)
                if (o[j] > o[best]) best = j;
            if (best == labels[i]) correct++;
        }
        return (double)correct / outputs.Count;
    }
}
