using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// One float layer chosen for int8: its node, the activation tensor it reads, the tensor where its
/// quantized output is taken (after a fused Relu/Clip), and the axis of per-channel weight scales.
/// </summary>
public sealed record QuantizedLayer(Node Node, string Input, string Output, Node? Activation, int WeightAxis)
{
    public string Name => Node.DisplayName;
    public string WeightName => Node.Inputs[1];
    public string? BiasName => Node.Inputs.Count > 2 && Node.Inputs[2].Length > 0 ? Node.Inputs[2] : null;
}

/// <summary>A layer left in float and why (for the quantize report).</summary>
public sealed record KeptLayer(string Name, string OpType, string Reason);

/// <summary>Finds the layers post-training quantization can make int8: Conv, MatMul and Gemm with constant float weights.</summary>
public static class LayerSelection
{
    public static (List<QuantizedLayer> Layers, List<KeptLayer> Kept) Select(Model model, QuantizeOptions options)
    {
        var graph = model.Graph;
        var consumers = graph.ConsumerMap();
        var layers = new List<QuantizedLayer>();
        var kept = new List<KeptLayer>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Conv" or "MatMul" or "Gemm")) continue;
            if (options.Exclude.Contains(node.DisplayName) || node.Outputs.Any(options.Exclude.Contains))
            {
                kept.Add(new KeptLayer(node.DisplayName, node.OpType, "excluded by --exclude"));
                continue;
            }
            var w = GraphQueries.Constant(graph, node.InputOrEmpty(1));
            if (w == null || w.Type != DataType.Float32)
            {
                kept.Add(new KeptLayer(node.DisplayName, node.OpType, "weights are not a constant float tensor"));
                continue;
            }
            string? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? node.Inputs[2] : null;
            if (bias != null && GraphQueries.Constant(graph, bias) is not { Type: DataType.Float32 })
            {
                kept.Add(new KeptLayer(node.DisplayName, node.OpType, "bias is not a constant float tensor"));
                continue;
            }
            int axis;
            if (node.OpType == "Conv")
            {
                if (w.Rank is < 3 or > 4) { kept.Add(new KeptLayer(node.DisplayName, node.OpType, "only 1-D and 2-D convolutions are quantized")); continue; }
                axis = 0;
            }
            else if (node.OpType == "MatMul")
            {
                if (w.Rank != 2) { kept.Add(new KeptLayer(node.DisplayName, node.OpType, "only 2-D constant B is quantized")); continue; }
                axis = 1;
            }
            else
            {
                if (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1) != 1 || node.GetFloat("beta", 1) != 1 || w.Rank != 2)
                {
                    kept.Add(new KeptLayer(node.DisplayName, node.OpType, "Gemm with transA, alpha or beta is not quantized"));
                    continue;
                }
                if (bias != null && GraphQueries.Constant(graph, bias)!.Rank != 1)
                {
                    kept.Add(new KeptLayer(node.DisplayName, node.OpType, "Gemm bias is not 1-D"));
                    continue;
                }
                axis = node.GetInt("transB", 0) != 0 ? 0 : 1;
            }
            var (output, activation) = FusedOutput(graph, consumers, node);
            layers.Add(new QuantizedLayer(node, node.Inputs[0], output, activation, axis));
        }
        return (layers, kept);
    }

    /// <summary>The layer's output, or that of a following Relu / constant Clip that is its only consumer (fused in int8).</summary>
    private static (string, Node?) FusedOutput(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, Node node)
    {
        string y = node.Outputs[0];
        if (!GraphQueries.HasSingleConsumer(graph, consumers, y)) return (y, null);
        var next = consumers[y][0];
        if (next.Domain.Length != 0) return (y, null);
        if (next.OpType == "Relu") return (next.Outputs[0], next);
        if (next.OpType == "Clip" && ClipBounds(graph, next) != null) return (next.Outputs[0], next);
        return (y, null);
    }

    /// <summary>A Clip's constant bounds (attributes before opset 11, constant inputs after), or null.</summary>
    public static (float Min, float Max)? ClipBounds(Bramble.Graph.Graph graph, Node clip)
    {
        if (clip.HasAttribute("min") || clip.HasAttribute("max"))
            return (clip.GetFloat("min", float.NegativeInfinity), clip.GetFloat("max", float.PositiveInfinity));
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (clip.Inputs.Count > 1 && clip.Inputs[1].Length > 0)
        {
            if (GraphQueries.Constant(graph, clip.Inputs[1]) is not { Type: DataType.Float32, Length: 1 } t) return null;
            lo = t.AsReadOnlySpan<float>()[0];
        }
        if (clip.Inputs.Count > 2 && clip.Inputs[2].Length > 0)
        {
            if (GraphQueries.Constant(graph, clip.Inputs[2]) is not { Type: DataType.Float32, Length: 1 } t) return null;
            hi = t.AsReadOnlySpan<float>()[0];
        }
        return (lo, hi);
    }
}
