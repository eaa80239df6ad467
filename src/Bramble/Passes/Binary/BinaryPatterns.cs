using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Passes.Binary;

/// <summary>How an activation is binarised: +1 where sign·x ≥ sign·threshold, per channel.</summary>
internal sealed record ActivationBinarisation(string Input, float[] Thresholds, float[] Signs, float Scale, List<Node> Consumed);

/// <summary>The float tail after a binary layer: y·alpha + bias, then an optional Relu.</summary>
internal sealed record OutputChain(float[] Alpha, float[] Bias, bool Relu, string Output, List<Node> Consumed);

/// <summary>
/// Recognisers for the float-equivalent ONNX form of binary layers (see <see cref="BinarizeLayers"/>):
/// each reads constants, never changes the graph, and returns null when the pattern does not apply.
/// </summary>
internal sealed class BinaryPatterns(Bramble.Graph.Graph graph)
{
    private readonly Dictionary<string, Node> _producers = graph.ProducerMap();
    private readonly Dictionary<string, List<Node>> _consumers = graph.ConsumerMap();

    public Node? Producer(string value) => value.Length > 0 && _producers.TryGetValue(value, out var n) ? n : null;

    private bool SingleUse(string value) => GraphQueries.HasSingleConsumer(graph, _consumers, value);

    private static bool Is(Node? n, string op) => n != null && n.OpType == op && n.Domain.Length == 0;

    /// <summary>Sign(W) with W a constant float tensor without zeros (Sign(0) = 0 has no bit): the latent weights.</summary>
    public Tensor? SignedConstant(string value)
    {
        var sign = Producer(value);
        if (!Is(sign, "Sign")) return null;
        var w = GraphQueries.Constant(graph, sign!.Inputs[0]);
        if (w == null || w.Type != DataType.Float32) return null;
        foreach (float v in w.AsReadOnlySpan<float>())
            if (v == 0f || float.IsNaN(v)) return null;
        return w;
    }

    /// <summary>
    /// The binarised activation feeding a binary layer: [Mul(·, scalar)] ← Sign ← (Sub(x, T) | BatchNormalization(x) | x),
    /// for a tensor of rank <paramref name="rank"/> with <paramref name="channels"/> channels on axis 1.
    /// </summary>
    public ActivationBinarisation? Activation(string value, int rank, int channels)
    {
        var consumed = new List<Node>();
        float scale = 1f;
        var node = Producer(value);
        if (Is(node, "Mul"))
        {
            // An input scale β: Sign(x)·β, folded into the layer's alpha.
            int k = Is(Producer(node!.Inputs[0]), "Sign") ? 1 : 0;
            var s = Scalar(node.Inputs[k]);
            if (s == null || !SingleUse(value)) return null;
            scale = s.Value;
            consumed.Add(node);
            value = node.Inputs[1 - k];
            node = Producer(value);
        }
        if (!Is(node, "Sign")) return null;
        consumed.Add(node!);
        string x = node!.Inputs[0];
        var thresholds = new float[channels];
        var signs = new float[channels];
        Array.Fill(signs, 1f);
        var source = Producer(x);
        if (Is(source, "Sub") && PerChannel(source!.Inputs[1], rank, channels) is { } t && SingleUse(x))
        {
            thresholds = t;
            consumed.Add(source);
            x = source.Inputs[0];
        }
        else if (Is(source, "BatchNormalization") && SingleUse(x) && BatchNormThresholds(source!, channels, thresholds, signs))
        {
            consumed.Add(source!);
            x = source!.Inputs[0];
        }
        return new ActivationBinarisation(x, thresholds, signs, scale, consumed);
    }

    /// <summary>
    /// Sign(γ(x − μ)/√(σ²+ε) + β) ≥ 0 ⇔ x ≥ μ − β√(σ²+ε)/γ for γ &gt; 0 (≤ for γ &lt; 0; a constant for γ = 0).
    /// </summary>
    private bool BatchNormThresholds(Node bn, int channels, float[] thresholds, float[] signs)
    {
        if (bn.GetInt("training_mode", 0) != 0 || bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Inputs.Count < 5) return false;
        var stats = bn.Inputs.Skip(1).Take(4).Select(n => GraphQueries.Constant(graph, n)).ToArray();
        if (stats.Any(s => s == null || s.Type != DataType.Float32 || s.Length != channels)) return false;
        float[] g = stats[0]!.ToArray<float>(), b = stats[1]!.ToArray<float>(), mu = stats[2]!.ToArray<float>(), v = stats[3]!.ToArray<float>();
        double eps = bn.GetFloat("epsilon", 1e-5f);
        for (int c = 0; c < channels; c++)
        {
            double s = Math.Sqrt(v[c] + eps);
            if (g[c] == 0) thresholds[c] = b[c] >= 0 ? float.NegativeInfinity : float.PositiveInfinity;
            else thresholds[c] = (float)(mu[c] - b[c] * s / g[c]);
            signs[c] = g[c] < 0 ? -1f : 1f;
        }
        return true;
    }

    /// <summary>
    /// The float tail of a binary layer: [Add(bias)] [Mul(alpha)] [Add(bias)] [BatchNormalization] [Relu], each step only
    /// when its input has no other reader. Values are per output channel (axis 1 of a rank-<paramref name="rank"/> output).
    /// </summary>
    public OutputChain Output(string value, int rank, int channels, float[] alpha, float[] bias)
    {
        var consumed = new List<Node>();
        bool relu = false;
        while (SingleUse(value) && !relu)
        {
            var next = _consumers[value][0];
            string other = next.Inputs.Count == 2 ? (next.Inputs[0] == value ? next.Inputs[1] : next.Inputs[0]) : "";
            if (Is(next, "Mul") && PerChannel(other, rank, channels) is { } a)
            {
                for (int m = 0; m < channels; m++) { alpha[m] *= a[m]; bias[m] *= a[m]; }
            }
            else if (Is(next, "Add") && PerChannel(other, rank, channels) is { } b)
                for (int m = 0; m < channels; m++) bias[m] += b[m];
            else if (Is(next, "BatchNormalization") && next.Inputs[0] == value && FoldBatchNorm(next, channels, alpha, bias)) { }
            else if (Is(next, "Relu")) relu = true;
            else break;
            consumed.Add(next);
            value = next.Outputs[0];
        }
        return new OutputChain(alpha, bias, relu, value, consumed);
    }

    private bool FoldBatchNorm(Node bn, int channels, float[] alpha, float[] bias)
    {
        if (bn.GetInt("training_mode", 0) != 0 || bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Inputs.Count < 5) return false;
        var stats = bn.Inputs.Skip(1).Take(4).Select(n => GraphQueries.Constant(graph, n)).ToArray();
        if (stats.Any(s => s == null || s.Type != DataType.Float32 || s.Length != channels)) return false;
        float[] g = stats[0]!.ToArray<float>(), b = stats[1]!.ToArray<float>(), mu = stats[2]!.ToArray<float>(), v = stats[3]!.ToArray<float>();
        double eps = bn.GetFloat("epsilon", 1e-5f);
        for (int m = 0; m < channels; m++)
        {
            double s = g[m] / Math.Sqrt(v[m] + eps);
            alpha[m] = (float)(alpha[m] * s);
            bias[m] = (float)((bias[m] - mu[m]) * s + b[m]);
        }
        return true;
    }

    /// <summary>A constant broadcast per channel along axis 1 of a rank-<paramref name="rank"/> tensor (or a single value), expanded.</summary>
    public float[]? PerChannel(string name, int rank, int channels)
    {
        var t = GraphQueries.Constant(graph, name);
        if (t == null || t.Type != DataType.Float32) return null;
        var values = t.AsReadOnlySpan<float>();
        var result = new float[channels];
        if (t.Length == 1)
        {
            if (t.Rank > rank) return null;
            Array.Fill(result, values[0]);
            return result;
        }
        // Right-aligned broadcasting: the channel count must sit at axis 1, every other axis 1.
        var s = t.Shape;
        if (t.Length != channels || s.Length > rank || s.Length < rank - 1) return null;
        int channelAxis = 1 - (rank - s.Length);
        for (int i = 0; i < s.Length; i++)
            if (i != channelAxis && s[i] != 1) return null;
        values.CopyTo(result);
        return result;
    }

    private float? Scalar(string name)
    {
        var t = GraphQueries.Constant(graph, name);
        return t != null && t.Type == DataType.Float32 && t.Length == 1 ? t.AsReadOnlySpan<float>()[0] : null;
    }
}
