using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Denton et al. / Gong et al.: a fully connected layer y = x·Wᵀ + b with W (N×K) ≈ L·Rᵀ (L = U_r·Σ_r, R = V_r)
/// becomes Gemm(x, Rᵀ) with r outputs, then Gemm(·, L) with the bias. Both use transB = 1, so the stored
/// weights are [r, K] and [N, r]; alpha and beta·C are already folded into <see cref="LayerInfo"/>.
/// </summary>
public static class FcSvd
{
    public static SvdResult Analyze(LayerInfo l) => LinearAlgebra.Svd.Decompose(l.Weights);

    public static List<Node> Build(Bramble.Graph.Graph graph, LayerInfo l, SvdResult svd, int rank)
    {
        var (left, right) = svd.Factors(rank);
        string stem = l.Name;
        string w1 = GraphEdit.AddWeights(graph, stem + "_svd1_W", right.Transpose().Data, rank, l.Inputs);
        string w2 = GraphEdit.AddWeights(graph, stem + "_svd2_W", left.Data, l.Outputs, rank);
        string b2 = GraphEdit.AddWeights(graph, stem + "_svd2_B", l.Bias, l.Outputs);
        string mid = GraphEdit.Value(graph, stem + "_svd1");
        var first = new Node("Gemm", [l.Node.Inputs[0], w1], [mid], graph.UniqueName(stem + "_svd1"));
        first.With(Bramble.Graph.Attribute.Of("transB", 1L));
        var second = new Node("Gemm", [mid, w2, b2], [l.Output], graph.UniqueName(stem + "_svd2"));
        second.With(Bramble.Graph.Attribute.Of("transB", 1L));
        return [first, second];
    }
}
