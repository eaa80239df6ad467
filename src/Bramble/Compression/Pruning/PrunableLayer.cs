using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Pruning;

/// <summary>A Conv, Gemm or MatMul node whose weight is a constant float32 initializer: what pruning may touch.</summary>
public sealed record PrunableLayer(Node Node, string WeightName, Tensor Weight)
{
    /// <summary>The prunable layers of <paramref name="graph"/> in topological order (the graph must be sorted).</summary>
    public static List<PrunableLayer> Find(Bramble.Graph.Graph graph)
    {
        var layers = new List<PrunableLayer>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0) continue;
            int weightInput = node.OpType switch { "Conv" => 1, "Gemm" => 1, "MatMul" => 1, _ => -1 };
            if (weightInput < 0 || node.Inputs.Count <= weightInput) continue;
            var w = GraphQueries.Constant(graph, node.Inputs[weightInput]);
            if (w == null || w.Type != DataType.Float32 || w.Length == 0) continue;
            layers.Add(new PrunableLayer(node, node.Inputs[weightInput], w));
        }
        return layers;
    }

    /// <summary>Fraction of exactly-zero values in a float32 tensor.</summary>
    public static double Sparsity(Tensor t)
    {
        var s = t.AsReadOnlySpan<float>();
        long zeros = 0;
        foreach (float v in s) if (v == 0f) zeros++;
        return s.Length == 0 ? 0 : (double)zeros / s.Length;
    }
}
