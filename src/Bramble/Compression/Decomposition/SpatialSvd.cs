using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Jaderberg et al. scheme 2, data-free: the kernel W[f, c, y, x] reshaped to A[(c, y), (x, f)] has
/// rank ≤ min(c·kh, kw·d); A ≈ L·Rᵀ at rank r gives a kh×1 conv (c → r, weights L, the original vertical
/// stride/padding/dilation) followed by a 1×kw conv (r → d, weights R, horizontal geometry, the bias).
/// </summary>
public static class SpatialSvd
{
    /// <summary>The reshaped kernel's SVD; its squared singular values are the spectrum rank selection uses.</summary>
    public static SvdResult Analyze(LayerInfo l) => LinearAlgebra.Svd.Decompose(Reshape(l));

    internal static DenseMatrix Reshape(LayerInfo l)
    {
        int c = l.Inputs, kh = l.KernelH, kw = l.KernelW, d = l.Outputs;
        var a = new DenseMatrix(c * kh, kw * d);
        for (int f = 0; f < d; f++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++)
                        a[ci * kh + y, x * d + f] = l.Weights[f, (ci * kh + y) * kw + x];
        return a;
    }

    public static List<Node> Build(Bramble.Graph.Graph graph, LayerInfo l, SvdResult svd, int rank)
    {
        int c = l.Inputs, kh = l.KernelH, kw = l.KernelW, d = l.Outputs;
        var (left, right) = svd.Factors(rank);
        var vertical = new double[rank * c * kh];
        for (int r = 0; r < rank; r++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < kh; y++) vertical[(r * c + ci) * kh + y] = left[ci * kh + y, r];
        var horizontal = new double[d * rank * kw];
        for (int f = 0; f < d; f++)
            for (int r = 0; r < rank; r++)
                for (int x = 0; x < kw; x++) horizontal[(f * rank + r) * kw + x] = right[x * d + f, r];
        string stem = l.Name;
        string wv = GraphEdit.AddWeights(graph, stem + "_svd_v_W", vertical, rank, c, kh, 1);
        string wh = GraphEdit.AddWeights(graph, stem + "_svd_h_W", horizontal, d, rank, 1, kw);
        string bh = GraphEdit.AddWeights(graph, stem + "_svd_h_B", l.Bias, d);
        string mid = GraphEdit.Value(graph, stem + "_svd_v");
        return
        [
            GraphEdit.Conv(graph, stem + "_svd_v", l.Node.Inputs[0], mid, wv, null, kh, 1,
                strideH: l.StrideH, dilationH: l.DilationH, padTop: l.PadTop, padBottom: l.PadBottom),
            GraphEdit.Conv(graph, stem + "_svd_h", mid, l.Output, wh, bh, 1, kw,
                strideW: l.StrideW, dilationW: l.DilationW, padLeft: l.PadLeft, padRight: l.PadRight),
        ];
    }
}
