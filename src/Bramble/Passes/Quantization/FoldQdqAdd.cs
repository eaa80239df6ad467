using Bramble.Graph;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Passes.Quantization;

/// <summary>
/// Add(DQ(a), DQ(b)) → [Relu | Clip] → Q becomes one QLinearAdd (ai.bramble's form, the activation folded into
/// fused_min / fused_max): a residual connection between int8 layers then stays int8, one byte pass instead of two
/// dequantize passes, a float Add (and Relu) and a quantize pass. Applies when both inputs and the output are
/// per-tensor with constant parameters, all of one 8-bit type, and the float sum has no other reader.
/// </summary>
public sealed class FoldQdqAdd : IGraphPass
{
    public string Name => "fold-qdq-add";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0;
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add" && n.Domain.Length == 0 && n.Inputs.Count == 2).ToList())
            if (TryFold(graph, add, graph.ProducerMap(), graph.ConsumerMap())) folded++;
        if (folded > 0) QdqPatterns.Finish(model);
        return folded;
    }

    private static bool TryFold(Bramble.Graph.Graph graph, Node add, Dictionary<string, Node> producers, Dictionary<string, List<Node>> consumers)
    {
        if (QdqPatterns.Input(graph, producers, add.Inputs[0]) is not { } a) return false;
        if (QdqPatterns.Input(graph, producers, add.Inputs[1]) is not { } b) return false;
        if (QdqPatterns.Output(graph, consumers, add.Outputs[0]) is not { } y) return false;
        DataType type = y.ZeroPoint.Type;
        if (QdqPatterns.Const(graph, a.Dq.Inputs[2])!.Type != type || QdqPatterns.Const(graph, b.Dq.Inputs[2])!.Type != type) return false;
        var fused = new Node("QLinearAdd",
            [a.Dq.Inputs[0], a.Dq.Inputs[1], a.Dq.Inputs[2], b.Dq.Inputs[0], b.Dq.Inputs[1], b.Dq.Inputs[2], y.Q.Inputs[1], y.Q.Inputs[2]],
            [y.Q.Outputs[0]], add.Name.Length > 0 ? add.Name : y.Q.Outputs[0], OpRegistry.BrambleDomain);
        QdqPatterns.FuseActivation(graph, fused, y);
        QdqPatterns.Replace(graph, add, fused, y.Activation, y.Q);
        return true;
    }
}
