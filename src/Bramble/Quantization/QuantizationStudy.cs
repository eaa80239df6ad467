using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// Accuracy of a model over a grid of weight × activation bit widths (rows × columns of
/// <see cref="Scores"/>), plus the float model's score. The metric is top-1 accuracy in percent on a
/// labelled test split, or else the mean output cosine similarity against the float model.
/// </summary>
public sealed record StudyResult(string Metric, double FloatScore, IReadOnlyList<int> WeightBits, IReadOnlyList<int> ActivationBits, double[,] Scores, int Samples);

/// <summary>
/// `bramble quantize --study`: calibrates once, then writes and runs one simulated-quantization QDQ model
/// per (weight bits, activation bits) cell — weights as symmetric codes ±(2^(b−1)−1), activations clipped
/// to 2^b codes (see <see cref="QdqWriter"/>) — and scores each on the same samples.
/// </summary>
public static class QuantizationStudy
{
    public static StudyResult Run(Model source, CalibrationSource data, QuantizeOptions options, IReadOnlyList<int> weightBits,
        IReadOnlyList<int> activationBits, int samples, SessionOptions? session = null, Action<int, int>? progress = null)
    {
        foreach (int b in weightBits.Concat(activationBits))
            if (b is < 2 or > 8) throw new BrambleException($"study bit width {b} is outside 2..8");
        using var calibrated = Quantizer.Calibrate(source, data, options with { Progress = null });
        var input = source.Graph.RealInputs.Single();
        var scores = new double[weightBits.Count, activationBits.Count];
        int total = weightBits.Count * activationBits.Count, done = 0;
        double floatScore = data.IsLabelled ? Accuracy(source, data, input, samples, session) : 1.0;
        for (int i = 0; i < weightBits.Count; i++)
            for (int j = 0; j < activationBits.Count; j++)
            {
                // The weight-error fallback is off: the error of low-bit weights is what the study measures.
                var cell = options with { WeightBits = weightBits[i], ActivationBits = activationBits[j], MaxWeightError = double.PositiveInfinity };
                var (model, _) = Quantizer.Build(calibrated, cell);
                using (model)
                {
                    scores[i, j] = data.IsLabelled ? Accuracy(model, data, input, samples, session)
                        : Quantizer.CompareOutputs(source, model, data, samples, session).Values.DefaultIfEmpty(double.NaN).Average();
                }
                progress?.Invoke(++done, total);
            }
        int used = data.IsLabelled ? samples : Math.Min(samples, data.Available);
        return new StudyResult(data.IsLabelled ? "top-1 %" : "cosine vs float", floatScore, weightBits, activationBits, scores, used);
    }

    /// <summary>Top-1 accuracy in percent over the first <paramref name="samples"/> labelled test samples (argmax of the first output).</summary>
    public static double Accuracy(Model model, CalibrationSource data, ValueInfo input, int samples, SessionOptions? options = null)
    {
        using var session = new InferenceSession(model, options);
        int correct = 0, n = 0;
        foreach (var (sample, label) in data.TestSamples(input, samples))
        {
            using (sample)
            {
                var outputs = session.Run(new Dictionary<string, Tensor> { [input.Name] = sample });
                try
                {
                    var scores = outputs[model.Graph.Outputs[0].Name];
                    if (ArgMax(scores) == label) correct++;
                }
                finally
                {
                    foreach (var t in outputs.Values) t.Dispose();
                }
            }
            n++;
        }
        if (n == 0) throw new BrambleException("accuracy study: the dataset gave no test samples");
        return 100.0 * correct / n;
    }

    private static long ArgMax(Tensor t)
    {
        long best = 0;
        for (long i = 1; i < t.Length; i++)
            if (t.GetDouble(i) > t.GetDouble(best)) best = i;
        return best;
    }
}
