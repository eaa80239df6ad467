using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Turns a fitted <see cref="ResponseMap"/> into two convolutions: the original k×k geometry with r filters
/// L = Qᵀ·W (bias Qᵀ·b_W), then a 1×1 conv with d filters P and bias b — so the pair computes
/// P·Qᵀ·(W·z + b_W) + b, the reconstruction the map was fitted for.
/// </summary>
public static class PcaLayer
{
    public static List<Node> Build(Bramble.Graph.Graph graph, LayerInfo l, ResponseMap map)
    {
        int rank = map.P.Cols, d = l.Outputs;
        var reduced = DenseMatrix.MultiplyTransposeA(map.Q, l.Weights); // r × K
        var reducedBias = new double[rank];
        for (int r = 0; r < rank; r++)
            for (int i = 0; i < d; i++) reducedBias[r] += map.Q[i, r] * l.Bias[i];
        string stem = l.Name;
        string w1 = GraphEdit.AddWeights(graph, stem + "_pca_reduce_W", reduced.Data, rank, l.Inputs, l.KernelH, l.KernelW);
        string b1 = GraphEdit.AddWeights(graph, stem + "_pca_reduce_B", reducedBias, rank);
        string w2 = GraphEdit.AddWeights(graph, stem + "_pca_expand_W", map.P.Data, d, rank, 1, 1);
        string b2 = GraphEdit.AddWeights(graph, stem + "_pca_expand_B", map.B, d);
        string mid = GraphEdit.Value(graph, stem + "_pca_reduce");
        return
        [
            GraphEdit.Conv(graph, stem + "_pca_reduce", l.Node.Inputs[0], mid, w1, b1, l.KernelH, l.KernelW,
                l.StrideH, l.StrideW, l.DilationH, l.DilationW, l.PadTop, l.PadLeft, l.PadBottom, l.PadRight),
            GraphEdit.Conv(graph, stem + "_pca_expand", mid, l.Output, w2, b2, 1, 1),
        ];
    }
}
