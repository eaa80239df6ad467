using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Binarization;

/// <summary>
/// Turns a float CNN into the graph a binary network trains as: every chosen Conv (group 1) and Gemm
/// (transB = 1) reads Sign(its input) instead of its input, so its activations are ±1. Weights are binarised
/// during training by a weight transform (XNOR-Net: α·sign(w)), not by the graph.
/// A Relu in front of a binarised layer is removed: Sign(Relu(x)) would be 0 or +1, never −1, so the layer
/// binarises the pre-activation (batch-normalised) value instead, the usual XNOR-Net block order
/// BN → Sign → BinaryConv. Max-pooling and reshaping between them commute with Sign and stay.
/// </summary>
public static class BinaryTrainingRewrite
{
    // Ops that neither change values' signs nor mix them: Sign(op(x)) = op(Sign(x)) up to ties.
    private static readonly HashSet<string> SignPreserving = ["MaxPool", "Flatten", "Reshape", "Identity"];

    /// <summary>Rewrites <paramref name="graph"/> in place and returns what happened to every candidate layer.</summary>
    public static List<BinaryLayerDecision> Apply(Graph.Graph graph, bool keepFirst = true, bool keepLast = true)
    {
        GraphValidator.ValidateAndSort(graph);
        var candidates = graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType is "Conv" or "Gemm").ToList();
        var decisions = new List<BinaryLayerDecision>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var layer = candidates[i];
            var weight = GraphQueries.Constant(graph, layer.InputOrEmpty(1));
            int[] shape = weight?.Shape ?? [];
            string? reason = weight == null || weight.Type != DataType.Float32 ? "its weights are not a float constant"
                : keepFirst && i == 0 ? "first layer stays real (it sees the image)"
                : keepLast && i == candidates.Count - 1 ? "last layer stays real (it produces the logits)"
                : layer.InputOrEmpty(2).Length > 0 && GraphQueries.Constant(graph, layer.Inputs[2]) == null ? "its bias is not a constant"
                : Unsupported(layer);
            if (reason == null) reason = BinariseInput(graph, layer);
            decisions.Add(new BinaryLayerDecision(layer, layer.InputOrEmpty(1), shape, reason));
        }
        GraphValidator.ValidateAndSort(graph);
        return decisions;
    }

    private static string? Unsupported(Node layer) => layer.OpType switch
    {
        "Conv" when layer.GetInt("group", 1) != 1 => "grouped or depthwise conv (binary conv needs group 1)",
        "Gemm" when layer.GetInt("transA", 0) != 0 || layer.GetInt("transB", 0) != 1 => "Gemm without transB = 1 (α must be per output row)",
        "Gemm" when layer.GetFloat("alpha", 1f) != 1f || layer.GetFloat("beta", 1f) != 1f => "Gemm with alpha or beta ≠ 1",
        _ => null,
    };

    /// <summary>Makes <paramref name="layer"/> read Sign(input), removing a Relu in front when that is safe; null on success.</summary>
    private static string? BinariseInput(Graph.Graph graph, Node layer)
    {
        var producers = graph.ProducerMap();
        var consumers = graph.ConsumerMap();
        string input = layer.Inputs[0];
        // Walk back through sign-preserving ops to the op that produced the activation.
        string value = input;
        bool privatePath = GraphQueries.HasSingleConsumer(graph, consumers, value);
        while (producers.TryGetValue(value, out var p) && p.Domain.Length == 0 && SignPreserving.Contains(p.OpType))
        {
            value = p.Inputs[0];
            privatePath &= GraphQueries.HasSingleConsumer(graph, consumers, value);
        }
        string signInput = input;
        if (producers.TryGetValue(value, out var relu) && relu.Domain.Length == 0 && relu.OpType == "Relu")
        {
            if (value == input)
            {
                signInput = relu.Inputs[0];
                if (privatePath) graph.Nodes.Remove(relu); // this layer was its only reader
            }
            else if (privatePath)
            {
                // Only this layer reads the Relu's output (through the pooling chain): drop the Relu.
                foreach (var reader in consumers[value])
                    for (int k = 0; k < reader.Inputs.Count; k++)
                        if (reader.Inputs[k] == value) reader.Inputs[k] = relu.Inputs[0];
                graph.Nodes.Remove(relu);
            }
            else return "its input passes through a Relu and pooling that other layers also read";
        }
        string signed = graph.UniqueName(layer.DisplayName + "_sign");
        graph.Nodes.Add(new Node("Sign", [signInput], [signed], signed));
        layer.Inputs[0] = signed;
        return null;
    }
}
