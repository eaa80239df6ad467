using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;

namespace Bramble.Compression.Decomposition;

/// <summary>A flattened layer's factors: per CP term a lateral (c), vertical (kh) and horizontal (kw) vector, and how terms map to filters.</summary>
public sealed class FlattenFactors
{
    /// <summary>Number of 1-D channels (terms): d·rank per filter, or the CP rank.</summary>
    public required int Terms { get; init; }
    public required double[] Lateral { get; init; }     // [Terms, c]
    public required double[] Vertical { get; init; }    // [Terms, kh]
    public required double[] Horizontal { get; init; }  // [Terms, kw]
    /// <summary>Whole-kernel CP: [d, Terms] mixing matrix; null for per-filter terms (filter f owns terms f·K … f·K+K−1).</summary>
    public double[]? Mixing { get; init; }
    public required int TermsPerFilter { get; init; }
    /// <summary>‖W − Ŵ‖² / ‖W‖²: the kernel energy the approximation misses.</summary>
    public required double RelativeErrorSquared { get; init; }
}

/// <summary>
/// Flattening (Jin et al. 2015) applied after training: every filter W_f(c, y, x) ≈ Σ_k a_fk(c)·b_fk(y)·g_fk(x),
/// fitted by CP-ALS on the filter's (c, kh, kw) tensor; or one CP decomposition of the whole (d, c, kh, kw)
/// kernel (Lebedev et al. 2015). Either way the layer becomes plain convolutions: lateral 1×1, vertical
/// kh×1 depthwise (original vertical stride/padding), horizontal 1×kw depthwise (horizontal geometry), and
/// a 1×1 (grouped for per-filter sums) that mixes terms into the d outputs and adds the bias. The 1×1
/// and depthwise stages carry no bias, so zero padding stays exact.
/// </summary>
public static class Flattening
{
    public static FlattenFactors Fit(LayerInfo l, int rank, FlattenMode mode, int iterations = 40)
    {
        int c = l.Inputs, kh = l.KernelH, kw = l.KernelW, d = l.Outputs;
        if (mode == FlattenMode.Cp)
        {
            var cp = CpDecomposition.Decompose(l.Weights.Data, [d, c, kh, kw], rank, iterations);
            var f = cp.Factors;
            var mixing = new double[d * rank];
            for (int i = 0; i < d; i++)
                for (int r = 0; r < rank; r++) mixing[i * rank + r] = f[0][i, r];
            return new FlattenFactors
            {
                Terms = rank, TermsPerFilter = rank, Mixing = mixing,
                Lateral = f[1].Transpose().Data, Vertical = f[2].Transpose().Data, Horizontal = f[3].Transpose().Data,
                RelativeErrorSquared = cp.RelativeError * cp.RelativeError,
            };
        }
        int terms = d * rank;
        var lateral = new double[terms * c];
        var vertical = new double[terms * kh];
        var horizontal = new double[terms * kw];
        double missed = 0, total = 0;
        for (int fi = 0; fi < d; fi++)
        {
            var filter = l.Weights.Row(fi);
            double norm = DenseMatrix.Dot(filter, filter);
            total += norm;
            var cp = CpDecomposition.Decompose(filter, [c, kh, kw], rank, iterations, seed: fi + 1);
            missed += cp.RelativeError * cp.RelativeError * norm;
            for (int k = 0; k < rank; k++)
            {
                int t = fi * rank + k;
                for (int i = 0; i < c; i++) lateral[t * c + i] = cp.Factors[0][i, k];
                for (int y = 0; y < kh; y++) vertical[t * kh + y] = cp.Factors[1][y, k];
                for (int x = 0; x < kw; x++) horizontal[t * kw + x] = cp.Factors[2][x, k];
            }
        }
        return new FlattenFactors
        {
            Terms = terms, TermsPerFilter = rank, Lateral = lateral, Vertical = vertical, Horizontal = horizontal,
            RelativeErrorSquared = total > 0 ? missed / total : 0,
        };
    }

    public static List<Node> Build(Bramble.Graph.Graph graph, LayerInfo l, FlattenFactors f)
    {
        int c = l.Inputs, kh = l.KernelH, kw = l.KernelW, d = l.Outputs, t = f.Terms;
        string stem = l.Name;
        string wl = GraphEdit.AddWeights(graph, stem + "_flat_lateral_W", f.Lateral, t, c, 1, 1);
        string wv = GraphEdit.AddWeights(graph, stem + "_flat_vertical_W", f.Vertical, t, 1, kh, 1);
        string wh = GraphEdit.AddWeights(graph, stem + "_flat_horizontal_W", f.Horizontal, t, 1, 1, kw);
        string lateral = GraphEdit.Value(graph, stem + "_flat_lateral");
        string vertical = GraphEdit.Value(graph, stem + "_flat_vertical");
        var nodes = new List<Node>
        {
            GraphEdit.Conv(graph, stem + "_flat_lateral", l.Node.Inputs[0], lateral, wl, null, 1, 1),
            GraphEdit.Conv(graph, stem + "_flat_vertical", lateral, vertical, wv, null, kh, 1,
                strideH: l.StrideH, dilationH: l.DilationH, padTop: l.PadTop, padBottom: l.PadBottom, group: t),
        };
        string bias = GraphEdit.AddWeights(graph, stem + "_flat_B", l.Bias, d);
        bool lastIsHorizontal = f.Mixing == null && f.TermsPerFilter == 1;
        string horizontal = lastIsHorizontal ? l.Output : GraphEdit.Value(graph, stem + "_flat_horizontal");
        nodes.Add(GraphEdit.Conv(graph, stem + "_flat_horizontal", vertical, horizontal, wh, lastIsHorizontal ? bias : null, 1, kw,
            strideW: l.StrideW, dilationW: l.DilationW, padLeft: l.PadLeft, padRight: l.PadRight, group: t));
        if (lastIsHorizontal) return nodes;
        if (f.Mixing != null)
        {
            string wm = GraphEdit.AddWeights(graph, stem + "_flat_mix_W", f.Mixing, d, t, 1, 1);
            nodes.Add(GraphEdit.Conv(graph, stem + "_flat_mix", horizontal, l.Output, wm, bias, 1, 1));
        }
        else
        {
            // Per-filter sums: a grouped 1×1 whose group f adds filter f's terms.
            var ones = new double[t];
            Array.Fill(ones, 1.0);
            string ws = GraphEdit.AddWeights(graph, stem + "_flat_sum_W", ones, d, f.TermsPerFilter, 1, 1);
            nodes.Add(GraphEdit.Conv(graph, stem + "_flat_sum", horizontal, l.Output, ws, bias, 1, 1, group: d));
        }
        return nodes;
    }
}
