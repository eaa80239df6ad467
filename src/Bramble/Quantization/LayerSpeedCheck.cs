using Bramble.Graph;
using Bramble.Runtime.Profiling;

namespace Bramble.Quantization;

/// <summary>One layer's measured time per run: as int8 (with the conversions it causes) and as float.</summary>
public sealed record LayerTiming(string Name, string OpType, double Int8Ms, double FloatMs)
{
    /// <summary>How many times faster int8 runs the layer than float (0 when either was not measured).</summary>
    public double Speedup => Int8Ms > 0 && FloatMs > 0 ? FloatMs / Int8Ms : 0;
}

/// <summary>
/// What the measured speed check found: each layer's int8 and float time in the last profile that had it int8,
/// the layers it made float with reasons, and how many profiles of the quantized model it took.
/// </summary>
public sealed record SpeedCheckResult(double MinSpeedup, IReadOnlyList<LayerTiming> Timings, IReadOnlyDictionary<string, string> KeepFloat, int Rounds, int Threads);

/// <summary>
/// Measured per-layer keep-float for speed (the other half of "a layer stays float when its integer kernel would
/// not be faster or its error is too large"): the float model and the quantized model are profiled node by node
/// on one sample (minimum over repeated profiles). Each int8 layer is charged its kernel plus the quantize /
/// dequantize nodes it causes and the float ops the float model fuses into it but the int8 model runs apart
/// (<see cref="LayerCostAttribution"/>), and stays int8 only when that beats its float time by the required factor.
/// Making a layer float changes its neighbours' conversions, so the quantized model is profiled again until no
/// further layer loses, at most <see cref="MaxRounds"/> times.
/// </summary>
public static class LayerSpeedCheck
{
    public const int MaxRounds = 3;

    /// <summary>
    /// Runs the check with <paramref name="profile"/> (e.g. <see cref="LayerTimer.Profile"/>) on the calibrated
    /// model with <paramref name="options"/>' layer choice; <paramref name="progress"/> gets (phase, done, total).
    /// </summary>
    public static SpeedCheckResult Run(CalibratedModel calibrated, QuantizeOptions options, Func<Model, ProfileReport> profile,
        Action<string, int, int>? progress = null)
    {
        // Every figure is the minimum over profiles (the float model again each round, the int8 model twice): a
        // preempted or cold run only ever inflates a time, and one inflated figure would flip a decision.
        var floatMs = new Dictionary<string, double>();
        var floatNodes = new HashSet<string>();
        int threads = 1;
        var keep = new Dictionary<string, string>(options.KeepFloat);
        var chosen = new Dictionary<string, string>();
        var timings = new Dictionary<string, LayerTiming>();
        int rounds = 0;
        progress?.Invoke("speed check", 0, MaxRounds);
        while (rounds < MaxRounds)
        {
            var floatReport = profile(calibrated.Model);
            threads = floatReport.Threads;
            KeepMinimum(floatMs, PerName(floatReport));
            floatNodes.UnionWith(floatReport.Nodes.Select(n => n.Name));
            var (model, report) = Quantizer.Build(calibrated, options with { KeepFloat = keep });
            var names = report.Quantized.Select(l => l.Name).ToHashSet();
            var int8Ms = new Dictionary<string, double>();
            using (model)
                for (int i = 0; i < ProfilesPerRound; i++)
                    KeepMinimum(int8Ms, LayerCostAttribution.Attribute(profile(model).Nodes, names, floatNodes));
            rounds++;
            foreach (var layer in report.Quantized)
                timings[layer.Name] = new LayerTiming(layer.Name, layer.OpType, int8Ms.GetValueOrDefault(layer.Name), floatMs.GetValueOrDefault(layer.Name));
            var slower = NotFastEnough(report.Quantized.Select(l => timings[l.Name]), options.MinLayerSpeedup).ToList();
            progress?.Invoke("speed check", rounds, MaxRounds);
            if (slower.Count == 0) break;
            foreach (var t in slower)
                keep[t.Name] = chosen[t.Name] =
                    $"int8 not faster: {t.Int8Ms:F3} ms with its quantize/dequantize vs {t.FloatMs:F3} ms float (measured; needs {options.MinLayerSpeedup:0.##}x)";
        }
        if (rounds < MaxRounds) progress?.Invoke("speed check", MaxRounds, MaxRounds);
        return new SpeedCheckResult(options.MinLayerSpeedup, timings.Values.ToList(), chosen, rounds, threads);
    }

    /// <summary>Profiles of the int8 model per round (the float model gets one per round, and they accumulate).</summary>
    private const int ProfilesPerRound = 2;

    private static Dictionary<string, double> PerName(ProfileReport report)
    {
        var ms = new Dictionary<string, double>();
        foreach (var node in report.Nodes) ms[node.Name] = ms.GetValueOrDefault(node.Name) + node.TypicalMs;
        return ms;
    }

    private static void KeepMinimum(Dictionary<string, double> best, Dictionary<string, double> measured)
    {
        foreach (var (name, ms) in measured)
            best[name] = best.TryGetValue(name, out var old) ? Math.Min(old, ms) : ms;
    }

    /// <summary>The measured layers whose int8 time is not at least <paramref name="minSpeedup"/> times below their float time.</summary>
    public static IEnumerable<LayerTiming> NotFastEnough(IEnumerable<LayerTiming> timings, double minSpeedup) =>
        timings.Where(t => t.Int8Ms > 0 && t.FloatMs > 0 && t.Int8Ms * minSpeedup >= t.FloatMs);
}
