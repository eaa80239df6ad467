using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>Measured milliseconds of one layer as it is and decomposed at each of a list of ranks.</summary>
public sealed record LayerTimes(double OriginalMs, double[] RankMs);

/// <summary>Prices layers by time. The default is <see cref="SessionLayerTimer"/>; tests inject fixed costs.</summary>
public interface ILayerTimer
{
    /// <summary>Time of <paramref name="layer"/> as it is and replaced by the decomposition at each of <paramref name="ranks"/>.</summary>
    LayerTimes Time(LayerInfo layer, IReadOnlyList<int> ranks);

    /// <summary>How the times were taken, for reports (clock, batch, threads).</summary>
    string Describe();
}

/// <summary>
/// Times a layer through the real runtime: a one-layer model (the layer's own weights, input at the model's
/// shape, optionally a larger batch) against the models holding just its replacement at each rank (the method's
/// own node builder fed seeded placeholder factors — speed does not depend on the values), each in an ordinary
/// <see cref="InferenceSession"/> with the decomposition's session options, so the kernels (Winograd or implicit
/// GEMM, pointwise GEMM, micro-kernel tiles) are the ones the decomposed model will run. Runs alternate between
/// the variants; each variant's time is its fastest block of repeated runs (blocks of at least
/// <see cref="MinBlockMs"/>, so tiny layers are not timed at the clock's resolution). Results are memoised by
/// geometry and rank, so re-running a selection (e.g. for <c>--target-ms</c>) does not time again.
/// </summary>
public sealed class SessionLayerTimer(DecompositionMethod method, FlattenMode flatten, SessionOptions session, int batch = 0, int runs = 9)
    : ILayerTimer
{
    /// <summary>Shortest timed block of repeated runs of one variant.</summary>
    public const double MinBlockMs = 1;

    /// <summary>Warm-up runs per variant (fewer when a variant has already run for <see cref="WarmupMs"/>, but at least three).</summary>
    public const int WarmupRuns = 30;
    public const double WarmupMs = 150;

    private readonly Dictionary<string, double> _memo = new();

    // Only the kernel-relevant settings: the caller's input bindings name the model's inputs, not the probe's.
    private readonly SessionOptions _options = new()
    {
        Threads = session.Threads, MaxIsa = session.MaxIsa, ReferenceKernels = session.ReferenceKernels,
        Optimization = session.Optimization, WinogradMaxWeightBytes = session.WinogradMaxWeightBytes,
        WinogradStreaming = session.WinogradStreaming,
    };

    public string Describe() => $"{ThreadClock.Describe(_options.Threads)}, {_options.Threads} thread(s), batch {(batch > 0 ? batch.ToString() : "as the model")}";

    public LayerTimes Time(LayerInfo layer, IReadOnlyList<int> ranks)
    {
        int b = batch > 0 ? batch : layer.Batch;
        string key = $"{layer.Kind} {layer.Geometry} {layer.InH}x{layer.InW} s{layer.StrideH},{layer.StrideW} d{layer.DilationH},{layer.DilationW} " +
                     $"p{layer.PadTop},{layer.PadLeft},{layer.PadBottom},{layer.PadRight} b{b} {method} {flatten} ";
        var wanted = new List<int>();
        if (!_memo.ContainsKey(key + 0)) wanted.Add(0);
        foreach (int r in ranks)
            if (!_memo.ContainsKey(key + r) && !wanted.Contains(r)) wanted.Add(r);
        if (wanted.Count > 0)
        {
            var models = new List<Model>();
            try
            {
                foreach (int r in wanted) models.Add(Probe(layer, b, r));
                int[] output = layer.Kind == LayerKind.Conv ? [b, layer.Outputs, layer.OutH, layer.OutW] : [b, layer.Outputs];
                var ms = TimeAlternating(models, output);
                for (int i = 0; i < wanted.Count; i++) _memo[key + wanted[i]] = ms[i];
            }
            finally
            {
                foreach (var m in models) m.Dispose();
            }
        }
        var result = new double[ranks.Count];
        for (int i = 0; i < ranks.Count; i++) result[i] = _memo[key + ranks[i]];
        return new LayerTimes(_memo[key + 0], result);
    }

    /// <summary>x → the layer (rank 0) or its replacement at <paramref name="rank"/> → y.</summary>
    private Model Probe(LayerInfo layer, int b, int rank)
    {
        var g = new Bramble.Graph.Graph();
        bool conv = layer.Kind == LayerKind.Conv;
        g.Inputs.Add(conv ? ValueInfo.Of("x", DataType.Float32, b, layer.Inputs, layer.InH, layer.InW) : ValueInfo.Of("x", DataType.Float32, b, layer.Inputs));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        var model = new Model(g);
        Node node = conv
            ? GraphEdit.Conv(g, "layer", "x", "y", "W", "B", layer.KernelH, layer.KernelW, layer.StrideH, layer.StrideW,
                layer.DilationH, layer.DilationW, layer.PadTop, layer.PadLeft, layer.PadBottom, layer.PadRight)
            : new Node("Gemm", ["x", "W", "B"], ["y"], "layer").With(Bramble.Graph.Attribute.Of("transB", 1L));
        if (rank > 0)
        {
            // The replacement reads the layer's weights from LayerInfo, not from the graph.
            g.Nodes.AddRange(Placeholder(g, layer.Rebound(node, b), rank));
            return model;
        }
        if (conv) GraphEdit.AddWeights(g, "W", layer.Weights.Data, layer.Outputs, layer.Inputs, layer.KernelH, layer.KernelW);
        else GraphEdit.AddWeights(g, "W", layer.Weights.Data, layer.Outputs, layer.Inputs);
        GraphEdit.AddWeights(g, "B", layer.Bias, layer.Outputs);
        g.Nodes.Add(node);
        return model;
    }

    /// <summary>The method's replacement nodes at <paramref name="rank"/> built from seeded random factors of the right shapes.</summary>
    private List<Node> Placeholder(Bramble.Graph.Graph g, LayerInfo l, int rank)
    {
        var random = new Random(rank);
        DenseMatrix M(int rows, int cols)
        {
            var m = new DenseMatrix(rows, cols);
            for (int i = 0; i < m.Data.Length; i++) m.Data[i] = random.NextDouble() - 0.5;
            return m;
        }
        double[] V(int n) => M(1, n).Data;
        var ones = Enumerable.Repeat(1.0, rank).ToArray();
        int c = l.Inputs, d = l.Outputs, kh = l.KernelH, kw = l.KernelW;
        switch (method)
        {
            case DecompositionMethod.Pca:
                return PcaLayer.Build(g, l, new ResponseMap(M(d, rank), M(d, rank), new double[d]));
            case DecompositionMethod.Spatial:
                return SpatialSvd.Build(g, l, new SvdResult(M(c * kh, rank), ones, M(kw * d, rank)), rank);
            case DecompositionMethod.Svd:
                return FcSvd.Build(g, l, new SvdResult(M(d, rank), ones, M(c, rank)), rank);
            default:
            {
                int terms = flatten == FlattenMode.Cp ? rank : d * rank;
                return Flattening.Build(g, l, new FlattenFactors
                {
                    Terms = terms, TermsPerFilter = rank, Mixing = flatten == FlattenMode.Cp ? V(d * rank) : null,
                    Lateral = V(terms * c), Vertical = V(terms * kh), Horizontal = V(terms * kw), RelativeErrorSquared = 0,
                });
            }
        }
    }

    /// <remarks>
    /// Outputs go to one preallocated tensor: a fresh output per run (the dictionary form of Run) costs an allocation
    /// and page faults that, for small layers at a batch, took longer than the convolution itself. The copy into it
    /// remains, the same for every variant (it is what the next layer's read would cost anyway).
    /// </remarks>
    private double[] TimeAlternating(List<Model> models, int[] outputShape)
    {
        bool cpu = ThreadClock.IsCpuTime(_options.Threads);
        var sessions = new List<InferenceSession>();
        using var x = Tensor.Allocate(DataType.Float32, models[0].Graph.Inputs[0].StaticShape!);
        using var y = Tensor.Allocate(DataType.Float32, outputShape);
        var random = new Random(7);
        var span = x.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = random.NextSingle();
        var input = new[] { new NamedTensor("x", x) };
        var output = new[] { new NamedTensor("y", y) };
        try
        {
            foreach (var m in models) sessions.Add(new InferenceSession(m, _options));
            // Warm-up, alternating, until every variant has run WarmupRuns times or for WarmupMs: the JIT compiles a method
            // optimised only after ~30 calls, and a kernel timed on its first few runs looked up to 1.6x slower than in
            // the model (a Winograd conv priced 4.3 ms alone, 3.6 ms in the model, its replacement the other way round).
            var repeats = new int[sessions.Count];
            var spent = new double[sessions.Count];
            var last = new double[sessions.Count];
            for (int run = 0; run < WarmupRuns; run++)
            {
                bool any = false;
                for (int i = 0; i < sessions.Count; i++)
                {
                    if (run >= 3 && spent[i] >= WarmupMs) continue;
                    last[i] = Block(sessions[i], input, output, 1, cpu);
                    spent[i] += last[i];
                    any = true;
                }
                if (!any) break;
            }
            for (int i = 0; i < sessions.Count; i++)
                repeats[i] = (int)Math.Clamp(Math.Ceiling(MinBlockMs / Math.Max(last[i], 1e-3)), 1, 1000);
            var best = new double[sessions.Count];
            Array.Fill(best, double.PositiveInfinity);
            for (int run = 0; run < runs; run++)
                for (int i = 0; i < sessions.Count; i++)
                    best[i] = Math.Min(best[i], Block(sessions[i], input, output, repeats[i], cpu) / repeats[i]);
            return best;
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }

    private static double Block(InferenceSession session, NamedTensor[] input, NamedTensor[] output, int repeats, bool cpu)
    {
        double start = ThreadClock.NowMs(cpu);
        for (int i = 0; i < repeats; i++) session.Run(input, output);
        return ThreadClock.NowMs(cpu) - start;
    }
}
