using Bramble.Graph;
using Bramble.Ops;

namespace Bramble.Passes.Quantization;

/// <summary>
/// DQ(x) → Conv(·, DQ(w), DQ(b)?) → [Relu | Clip] → Q becomes one QLinearConv (ai.bramble's fused form
/// when an activation is folded: its range becomes the output clamp fused_min/fused_max). This is how
/// a QDQ model runs on the int8 kernels. Applies when weights, bias and all quantization parameters are
/// constants, activations are per-tensor, and the intermediate float tensors have no other readers.
/// </summary>
public sealed class FoldQdqConv : IGraphPass
{
    public string Name => "fold-qdq-conv";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0;
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv" && n.Domain.Length == 0).ToList())
            if (TryFold(graph, conv, graph.ProducerMap(), graph.ConsumerMap(), model.OpsetFor("") < 10)) folded++;
        if (folded > 0) QdqPatterns.Finish(model);
        return folded;
    }

    private static bool TryFold(Bramble.Graph.Graph graph, Node conv, Dictionary<string, Node> producers, Dictionary<string, List<Node>> consumers, bool brambleDomain)
    {
        if (QdqPatterns.Input(graph, producers, conv.Inputs[0]) is not { } x) return false;
        if (QdqPatterns.Weights(graph, producers, conv.InputOrEmpty(1), channelAxis: 0) is not { } w) return false;
        if (QdqPatterns.Output(graph, consumers, conv.Outputs[0]) is not { } y) return false;
        int m = w.Values.Shape[0];
        string biasName = conv.InputOrEmpty(2);
        var bias = QdqPatterns.FoldBias(graph, producers, biasName, x.Scale, w.Scale, m);
        if (biasName.Length > 0 && bias == null) return false;

        var inputs = QdqPatterns.LinearInputs(graph, x, w, y, conv.DisplayName);
        if (bias != null) inputs.Add(QdqPatterns.AddInitializer(graph, conv.DisplayName + "_bias_int32", bias));
        var fused = new Node("QLinearConv", inputs, [y.Q.Outputs[0]], conv.Name.Length > 0 ? conv.Name : y.Q.Outputs[0]);
        foreach (var (k, v) in conv.Attributes) fused.Attributes[k] = v;
        // Models older than opset 10 have no standard QLinearConv: Bramble's own domain carries it.
        if (brambleDomain) fused.Domain = OpRegistry.BrambleDomain;
        QdqPatterns.FuseActivation(graph, fused, y);
        QdqPatterns.Replace(graph, conv, fused, y.Activation, y.Q);
        return true;
    }
}
