using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>Runs the float model over calibration samples and records the statistics (and shapes) of chosen tensors.</summary>
public static class Calibrator
{
    public static (Dictionary<string, RangeStatistics> Stats, Dictionary<string, int[]> Shapes) Run(
        Model model, IEnumerable<string> tensors, CalibrationSource source, QuantizeOptions options)
    {
        using var probe = model.CloneStructure();
        var names = tensors.Distinct().ToList();
        var existing = new HashSet<string>(probe.Graph.Outputs.Select(o => o.Name));
        foreach (var name in names)
            if (!existing.Contains(name)) probe.Graph.Outputs.Add(new ValueInfo(name, DataType.Float32, null));
        var input = probe.Graph.RealInputs.SingleOrDefault()
            ?? throw new BrambleException($"calibration needs a model with exactly one input; {model.Source} has {probe.Graph.RealInputs.Count()}");
        var stats = names.ToDictionary(n => n, _ => new RangeStatistics());
        var shapes = new Dictionary<string, int[]>();
        int total = Math.Min(options.Samples, source.Available), done = 0;
        using var session = new InferenceSession(probe, new SessionOptions { Optimization = OptimizationLevel.None });
        foreach (var sample in source.Samples(input, options.Samples))
        {
            using (sample)
            {
                var outputs = session.Run(new Dictionary<string, Tensor> { [input.Name] = sample });
                try
                {
                    foreach (var name in names)
                    {
                        var t = outputs[name];
                        if (t.Type != DataType.Float32) throw new BrambleException($"tensor '{name}' is {t.Type.Name()}, not float32: it cannot be calibrated");
                        stats[name].Add(t.AsReadOnlySpan<float>());
                        shapes[name] = t.Shape;
                    }
                }
                finally
                {
                    foreach (var t in outputs.Values) t.Dispose();
                }
            }
            done++;
            options.Progress?.Invoke(done, total);
        }
        if (done == 0) throw new BrambleException("calibration ran no samples");
        return (stats, shapes);
    }
}
