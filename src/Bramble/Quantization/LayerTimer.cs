using System.Diagnostics;
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

    /// <summary>
    /// Per-node profile of <paramref name="model"/> over the timer's iterations, after warm-up runs: at least two,
    /// then more until <see cref="WarmupRuns"/> runs or <see cref="WarmupMilliseconds"/> have passed, so kernels are
    /// timed after the JIT has optimised them (a kernel timed on its first runs can look 1.2× slower).
    /// </summary>
    public ProfileReport Profile(Model model)
    {
        using var session = new InferenceSession(model, _options);
        var clock = Stopwatch.StartNew();
        for (int run = 0; run < 2 || (run < WarmupRuns && clock.ElapsedMilliseconds < WarmupMilliseconds); run++)
            foreach (var output in session.Run(_feed).Values) output.Dispose();
        return session.Profile(_feed, _iterations, warmup: 0);
    }

    public const int WarmupRuns = 30;
    public const int WarmupMilliseconds = 150;

    public void Dispose()
    {
        foreach (var t in _feed.Values) t.Dispose();
    }
}
