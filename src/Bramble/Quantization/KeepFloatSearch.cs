namespace Bramble.Quantization;

/// <summary>How much one layer alone hurts the output: the output cosine when it is the only int8 layer.</summary>
public sealed record LayerSensitivity(string Name, string OpType, double CosineAlone);

/// <summary>
/// What the measured keep-float search found: the output cosine with every eligible layer int8 and with
/// the chosen layers float, each layer's sensitivity (worst first), and the layers kept float with reasons.
/// </summary>
public sealed record KeepFloatResult(
    double Target, double CosineBefore, double CosineAfter, IReadOnlyList<LayerSensitivity> Sensitivity,
    IReadOnlyDictionary<string, string> KeepFloat, int Samples)
{
    public bool TargetMet => CosineAfter >= Target;
}

/// <summary>
/// Measured per-layer keep-float: after calibration, layers stay float until the quantized model's output
/// cosine against float reaches a target. Each int8 layer is first scored alone (every other layer float),
/// which isolates its own error from the others'; then, worst first, a layer is made float and the whole
/// model re-measured, keeping the change only when the output improves (a float layer costs speed, so it
/// must buy accuracy). That is 2 × layers model builds at most, each run over a few samples.
/// </summary>
public static class KeepFloatSearch
{
    /// <summary>
    /// Searches with the scorer <paramref name="score"/> (higher is better, e.g. <see cref="OutputComparer.Score"/>);
    /// <paramref name="progress"/> gets (phase, done, total) as models are scored.
    /// </summary>
    public static KeepFloatResult Run(CalibratedModel calibrated, QuantizeOptions options, Func<Bramble.Graph.Model, double> score,
        int samples, Action<string, int, int>? progress = null)
    {
        double target = options.MinCosine;
        double Measure(QuantizeOptions o, out QuantizeReport report)
        {
            var (model, r) = Quantizer.Build(calibrated, o);
            report = r;
            using (model) return score(model);
        }

        double before = Measure(options, out var full);
        var layers = full.Quantized;
        if (before >= target || layers.Count == 0)
            return new KeepFloatResult(target, before, before, [], new Dictionary<string, string>(), samples);

        // Sensitivity: each layer alone in int8 (the others held float through KeepFloat).
        var probeReason = "keep-float search probe";
        var sensitivity = new List<LayerSensitivity>();
        for (int i = 0; i < layers.Count; i++)
        {
            var others = new Dictionary<string, string>(options.KeepFloat);
            foreach (var l in layers)
                if (l.Name != layers[i].Name) others[l.Name] = probeReason;
            sensitivity.Add(new LayerSensitivity(layers[i].Name, layers[i].OpType, Measure(options with { KeepFloat = others }, out _)));
            progress?.Invoke("sensitivity", i + 1, layers.Count);
        }
        sensitivity.Sort((a, b) => a.CosineAlone.CompareTo(b.CosineAlone));

        // Greedy, worst first: a layer goes float only if the whole model's output gets closer to float.
        var keep = new Dictionary<string, string>(options.KeepFloat);
        var chosen = new Dictionary<string, string>();
        double current = before;
        int tried = 0;
        for (int i = 0; i < sensitivity.Count && current < target; i++, tried = i)
        {
            var layer = sensitivity[i];
            keep[layer.Name] = "";
            double next = Measure(options with { KeepFloat = keep }, out _);
            if (next > current)
            {
                string reason = $"int8 error too large: output cosine {current:F4} -> {next:F4} with it float (alone in int8: {layer.CosineAlone:F4}; target {target:F4})";
                keep[layer.Name] = chosen[layer.Name] = reason;
                current = next;
            }
            else keep.Remove(layer.Name);
            progress?.Invoke("keep-float", i + 1, sensitivity.Count);
        }
        // Reaching the target early ends the phase: report it complete.
        if (tried < sensitivity.Count) progress?.Invoke("keep-float", sensitivity.Count, sensitivity.Count);
        return new KeepFloatResult(target, before, current, sensitivity, chosen, samples);
    }
}
