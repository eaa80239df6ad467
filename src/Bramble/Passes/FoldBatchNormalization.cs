using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Passes;

/// <summary>
/// Conv → BatchNormalization becomes one Conv: with s = γ/√(σ²+ε), W'[m] = s[m]·W[m] and
/// b'[m] = s[m]·(b[m] − μ[m]) + β[m]. Applies when the Conv's output feeds only the BN and all
/// weights and statistics are constants (the inference form every exported CNN has).
/// </summary>
public sealed class FoldBatchNormalization : IGraphPass
{
    public string Name => "fold-batchnorm";

    public int Run(Model model)
    {
        var graph = model.Graph;
        var consumers = graph.ConsumerMap();
        var producers = graph.ProducerMap();
        int folded = 0;
        foreach (var bn in graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0).ToList())
        {
            if (bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.GetInt("training_mode", 0) != 0) continue;
            if (!producers.TryGetValue(bn.Inputs[0], out var conv) || conv.OpType != "Conv" || conv.Domain.Length != 0) continue;
            if (!GraphQueries.HasSingleConsumer(graph, consumers, conv.Outputs[0])) continue;
            var w = GraphQueries.Constant(graph, conv.Inputs[1]);
            var bias = conv.Inputs.Count > 2 ? GraphQueries.Constant(graph, conv.Inputs[2]) : null;
            if (w == null || w.Type != DataType.Float32 || (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0 && bias == null)) continue;
            var stats = bn.Inputs.Skip(1).Take(4).Select(n => GraphQueries.Constant(graph, n)).ToArray();
            if (stats.Length != 4 || stats.Any(t => t == null || t.Type != DataType.Float32)) continue;
            int m = w.Shape[0];
            if (stats.Any(t => t!.Length != m)) continue;

            var (newW, newB) = Fold(w, bias, stats[0]!, stats[1]!, stats[2]!, stats[3]!, bn.GetFloat("epsilon", 1e-5f));
            string wName = graph.UniqueName(conv.Inputs[1] + "_bnfolded");
            string bName = graph.UniqueName(bn.DisplayName + "_bias");
            graph.Initializers[wName] = newW;
            graph.Initializers[bName] = newB;
            string oldW = conv.Inputs[1], oldB = conv.InputOrEmpty(2);
            conv.Inputs[1] = wName;
            if (conv.Inputs.Count > 2) conv.Inputs[2] = bName; else conv.Inputs.Add(bName);
            conv.Outputs[0] = bn.Outputs[0];
            graph.Nodes.Remove(bn);
            // Free the unfolded weights now (in a session's model), not after the pass: peak memory stays one copy.
            model.DropInitializerIfUnused(oldW);
            model.DropInitializerIfUnused(oldB);
            foreach (var stat in bn.Inputs.Skip(1)) model.DropInitializerIfUnused(stat);
            folded++;
        }
        if (folded > 0) GraphQueries.DropUnusedInitializers(graph);
        return folded;
    }

    private static (Tensor W, Tensor B) Fold(Tensor w, Tensor? bias, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, float epsilon)
    {
        int m = w.Shape[0];
        int perFilter = checked((int)(w.Length / m));
        var newW = Tensor.Allocate(DataType.Float32, w.Shape);
        var newB = Tensor.Allocate(DataType.Float32, m);
        var src = w.AsReadOnlySpan<float>();
        var dst = newW.AsSpan<float>();
        var b = newB.AsSpan<float>();
        var g = gamma.AsReadOnlySpan<float>();
        var be = beta.AsReadOnlySpan<float>();
        var mu = mean.AsReadOnlySpan<float>();
        var v = variance.AsReadOnlySpan<float>();
        for (int f = 0; f < m; f++)
        {
            // Double precision for the scale so folding adds no error beyond the final float rounding.
            double s = g[f] / Math.Sqrt((double)v[f] + epsilon);
            for (int k = 0; k < perFilter; k++) dst[f * perFilter + k] = (float)(src[f * perFilter + k] * s);
            double b0 = bias != null ? bias.AsReadOnlySpan<float>()[f] : 0.0;
            b[f] = (float)((b0 - mu[f]) * s + be[f]);
        }
        return (newW, newB);
    }
}
