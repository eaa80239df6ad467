using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Passes.Fusion;

/// <summary>
/// Conv followed by Mul/Div/Add/Sub with a constant that is a scalar or per output channel (shape
/// [M,1,1] or [1,M,1,1]) folds into the Conv's weights and bias: with y' = s·y + t per channel,
/// W'[m] = s[m]·W[m] and b'[m] = s[m]·b[m] + t[m]. Paddle's learnable affine blocks (PP-LCNetV3 in
/// PP-OCRv4) export exactly such Mul → Add pairs after every convolution.
/// </summary>
public sealed class FoldConvAffine : IGraphPass
{
    public string Name => "fold-conv-affine";

    public int Run(Model model)
    {
        var g = new FusionGraph(model);
        int folded = 0;
        foreach (var conv in g.Graph.Nodes.ToList())
        {
            if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Outputs.Count != 1 || conv.Inputs.Count < 2) continue;
            var w = g.Constant(conv.Inputs[1]);
            string biasName = conv.InputOrEmpty(2);
            var bias = biasName.Length > 0 ? g.Constant(biasName) : null;
            if (w == null || w.Type != DataType.Float32 || w.Rank < 3 || (biasName.Length > 0 && (bias == null || bias.Type != DataType.Float32))) continue;
            int m = w.Shape[0];
            if (bias != null && bias.Length != m) continue;

            var scale = new double[m];
            var shift = new double[m];
            Array.Fill(scale, 1.0);
            var chain = new List<Node>();
            string y = conv.Outputs[0];
            // Stop where an activation pattern starts: x + 3 in x·Clip(x+3, 0, 6)/6 is not a bias to fold.
            for (Node? next = g.SingleConsumer(y); next != null && ActivationMatcher.Match(g, y) == null && Absorb(g, next, y, w.Rank, scale, shift);
                 next = g.SingleConsumer(y))
            {
                chain.Add(next);
                y = next.Outputs[0];
            }
            if (chain.Count == 0) continue;

            var (newW, newB) = Apply(w, bias, scale, shift);
            string wName = g.Graph.UniqueName(conv.Inputs[1] + "_affine");
            string bName = g.Graph.UniqueName(conv.DisplayName + "_affine_bias");
            g.Graph.Initializers[wName] = newW;
            g.Graph.Initializers[bName] = newB;
            string oldW = conv.Inputs[1];
            conv.Inputs[1] = wName;
            if (conv.Inputs.Count > 2) conv.Inputs[2] = bName; else conv.Inputs.Add(bName);
            conv.Outputs[0] = y;
            g.Remove(chain);
            // Free the unscaled weights now (in a session's model), not after the pass: peak memory stays one copy.
            g.Model.DropInitializerIfUnused(oldW);
            if (biasName.Length > 0) g.Model.DropInitializerIfUnused(biasName);
            folded += chain.Count;
        }
        if (folded > 0) GraphQueries.DropUnusedInitializers(g.Graph);
        return folded;
    }

    /// <summary>Composes node's affine map onto (scale, shift) if it is one; false leaves them untouched.</summary>
    private static bool Absorb(FusionGraph g, Node n, string y, int rank, double[] scale, double[] shift)
    {
        if (n.Domain.Length != 0 || n.Inputs.Count != 2 || n.Outputs.Count != 1) return false;
        bool yFirst = n.Inputs[0] == y;
        string? other = FusionGraph.OtherInput(n, y);
        if (other == null) return false;
        var c = g.Constant(other);
        if (c == null || c.Type != DataType.Float32 || !PerChannel(c.Shape, rank, scale.Length)) return false;
        var v = c.AsReadOnlySpan<float>();
        int m = scale.Length;
        switch (n.OpType)
        {
            case "Mul":
                for (int i = 0; i < m; i++) { double k = v[v.Length == 1 ? 0 : i]; scale[i] *= k; shift[i] *= k; }
                return true;
            case "Div" when yFirst:
                for (int i = 0; i < m; i++) if (v[v.Length == 1 ? 0 : i] == 0) return false;
                for (int i = 0; i < m; i++) { double k = v[v.Length == 1 ? 0 : i]; scale[i] /= k; shift[i] /= k; }
                return true;
            case "Add":
                for (int i = 0; i < m; i++) shift[i] += v[v.Length == 1 ? 0 : i];
                return true;
            case "Sub" when yFirst:
                for (int i = 0; i < m; i++) shift[i] -= v[v.Length == 1 ? 0 : i];
                return true;
            default:
                return false;
        }
    }

    /// <summary>True when a constant of <paramref name="shape"/> broadcast onto a rank-<paramref name="rank"/> conv output varies at most along channels and leaves the output's shape alone.</summary>
    private static bool PerChannel(int[] shape, int rank, int channels)
    {
        if (shape.Length > rank) return false;
        long count = 1;
        for (int k = 0; k < shape.Length; k++)
        {
            int d = rank - shape.Length + k;
            if (shape[k] == 1) continue;
            if (d != 1 || shape[k] != channels) return false;
            count *= shape[k];
        }
        return count == 1 || count == channels;
    }

    private static (Tensor W, Tensor B) Apply(Tensor w, Tensor? bias, double[] scale, double[] shift)
    {
        int m = scale.Length;
        int perFilter = checked((int)(w.Length / m));
        var newW = Tensor.Allocate(DataType.Float32, w.Shape);
        var newB = Tensor.Allocate(DataType.Float32, m);
        var src = w.AsReadOnlySpan<float>();
        var dst = newW.AsSpan<float>();
        var b = newB.AsSpan<float>();
        for (int f = 0; f < m; f++)
        {
            for (int k = 0; k < perFilter; k++) dst[f * perFilter + k] = (float)(src[f * perFilter + k] * scale[f]);
            double b0 = bias != null ? bias.AsReadOnlySpan<float>()[f] : 0.0;
            b[f] = (float)(b0 * scale[f] + shift[f]);
        }
        return (newW, newB);
    }
}
