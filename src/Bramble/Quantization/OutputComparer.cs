using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// A float model's outputs on a fixed set of samples, kept in memory, against which candidate models are
/// scored by output cosine similarity. The reference runs once, so the keep-float search can score dozens
/// of candidate quantizations at the cost of running only the candidates.
/// </summary>
public sealed class OutputComparer : IDisposable
{
    private readonly string _input;
    private readonly List<Tensor> _samples = new();
    private readonly List<Dictionary<string, Tensor>> _reference = new();
    private readonly SessionOptions? _options;

    public OutputComparer(Model reference, CalibrationSource data, int samples, SessionOptions? options = null)
    {
        _options = options;
        var input = reference.Graph.RealInputs.SingleOrDefault()
            ?? throw new BrambleException($"output comparison needs a model with exactly one input; {reference.Source} has {reference.Graph.RealInputs.Count()}");
        _input = input.Name;
        try
        {
            using var session = new InferenceSession(reference, options);
            foreach (var sample in data.Samples(input, samples))
            {
                _samples.Add(sample);
                _reference.Add(session.Run(Feed(sample)));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        if (_samples.Count == 0) throw new BrambleException("output comparison has no samples");
    }

    /// <summary>How many samples every comparison runs.</summary>
    public int Samples => _samples.Count;

    /// <summary>Per float output of the reference, the mean cosine similarity of <paramref name="candidate"/>'s output over the samples.</summary>
    public Dictionary<string, double> Compare(Model candidate)
    {
        using var session = new InferenceSession(candidate, _options);
        var sums = new Dictionary<string, double>();
        for (int i = 0; i < _samples.Count; i++)
        {
            var outputs = session.Run(Feed(_samples[i]));
            try
            {
                foreach (var (name, expected) in _reference[i])
                    if (expected.Type == DataType.Float32 && outputs.TryGetValue(name, out var actual))
                        sums[name] = sums.GetValueOrDefault(name) + Quantizer.Cosine(expected, actual);
            }
            finally
            {
                foreach (var t in outputs.Values) t.Dispose();
            }
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / _samples.Count);
    }

    /// <summary>The worst output's mean cosine: a detector is only as good as its weakest head (boxes or scores).</summary>
    public double Score(Model candidate) => Compare(candidate).Values.DefaultIfEmpty(1.0).Min();

    private Dictionary<string, Tensor> Feed(Tensor sample) => new() { [_input] = sample };

    public void Dispose()
    {
        foreach (var t in _samples) t.Dispose();
        foreach (var outputs in _reference)
            foreach (var t in outputs.Values) t.Dispose();
        _samples.Clear();
        _reference.Clear();
    }
}
