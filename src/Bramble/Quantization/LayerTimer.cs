using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// Profiles candidate models node by node on one fixed calibration sample, with the caller's session options
/// (threads, instruction set), for <see cref="LayerSpeedCheck"/>.
/// </summary>
public sealed class LayerTimer : IDisposable
{
    private readonly Dictionary<string, Tensor> _feed;
    private readonly SessionOptions? _options;
    private readonly int _iterations;

    public LayerTimer(Model reference, CalibrationSource data, SessionOptions? options = null, int iterations = 10)
    {
        var input = reference.Graph.RealInputs.SingleOrDefault()
            ?? throw new BrambleException($"layer timing needs a model with exactly one input; {reference.Source} has {reference.Graph.RealInputs.Count()}");
        var sample = data.Samples(input, 1).FirstOrDefault() ?? throw new BrambleException("layer timing has no calibration sample");
        _feed = new Dictionary<string, Tensor> { [input.Name] = sample };
        _options = options;
        _iterations = iterations;
    }

    /// <summary>Per-node profile of <paramref name="model"/> over the timer's iterations, after two warm-up runs.</summary>
    public ProfileReport Profile(Model model)
    {
        using var session = new InferenceSession(model, _options);
        return session.Profile(_feed, _iterations, warmup: 2);
    }

    public void Dispose()
    {
        foreach (var t in _feed.Values) t.Dispose();
    }
}
