using Bramble.Graph;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Passes.Quantization;

/// <summary>
/// The fully connected counterpart of <see cref="FoldQdqConv"/>: DQ(x) → Gemm(x, DQ(W), C) → [Relu | Clip] → Q and
/// DQ(x) → MatMul(x, DQ(W)) [→ Add(bias)] → [Relu | Clip] → Q become one ai.bramble QGemm, so the layer runs on
/// the int8 kernels with 8-bit weights instead of float weights constant-folded out of the DQ (which at batch 1
/// makes it a matrix-vector product bound by reading 4× the bytes). Applies to Gemm with alpha = 1, transA = 0 and
/// (with C) beta = 1; to MatMul with a constant 2-D W; when W, the bias (a float constant or DQ of int32, N values)
/// and all quantization parameters are constants, activations are per-tensor, weight scales per tensor or per
/// output column, and the intermediate float tensors have no other readers.
/// </summary>
public sealed class FoldQdqGemm : IGraphPass
{
    public string Name => "fold-qdq-gemm";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0;
        foreach (var node in graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType is "Gemm" or "MatMul").ToList())
            if (TryFold(graph, node, graph.ProducerMap(), graph.ConsumerMap())) folded++;
        if (folded > 0) QdqPatterns.Finish(model);
        return folded;
    }

    private static bool TryFold(Bramble.Graph.Graph graph, Node node, Dictionary<string, Node> producers, Dictionary<string, List<Node>> consumers)
    {
        bool gemm = node.OpType == "Gemm";
        string biasName = gemm ? node.InputOrEmpty(2) : "";
        if (gemm && (node.GetFloat("alpha", 1) != 1 || node.GetInt("transA", 0) != 0 || (biasName.Length > 0 && node.GetFloat("beta", 1) != 1)))
            return false;
        bool transB = gemm && node.GetInt("transB", 0) != 0;
        if (QdqPatterns.Input(graph, producers, node.Inputs[0]) is not { } x) return false;
        if (QdqPatterns.Weights(graph, producers, node.InputOrEmpty(1), channelAxis: transB ? 0 : 1) is not { Values.Rank: 2 } w) return false;
        int n = w.Values.Shape[transB ? 0 : 1];

        // MatMul's bias is a following Add of a constant (either operand), the MatMul's only reader.
        string y = node.Outputs[0];
        Node? add = null;
        if (!gemm && BiasAdd(graph, consumers, y) is { } found)
        {
            (add, biasName) = found;
            y = add.Outputs[0];
        }
        if (biasName.Length > 0 && !IsBiasVector(graph, producers, biasName, n, allowRow: gemm)) return false;
        if (QdqPatterns.Output(graph, consumers, y) is not { } output) return false;
        var bias = QdqPatterns.FoldBias(graph, producers, biasName, x.Scale, w.Scale, n);
        if (biasName.Length > 0 && bias == null) return false;

        var inputs = QdqPatterns.LinearInputs(graph, x, w, output, node.DisplayName);
        if (bias != null) inputs.Add(QdqPatterns.AddInitializer(graph, node.DisplayName + "_bias_int32", bias));
        var fused = new Node("QGemm", inputs, [output.Q.Outputs[0]], node.Name.Length > 0 ? node.Name : output.Q.Outputs[0], OpRegistry.BrambleDomain);
        if (transB) fused.Attributes["transB"] = Bramble.Graph.Attribute.Of("transB", 1L);
        QdqPatterns.FuseActivation(graph, fused, output);
        QdqPatterns.Replace(graph, node, fused, add, output.Activation, output.Q);
        return true;
    }

    /// <summary>The Add that is <paramref name="y"/>'s only reader, with its other operand when that is a constant or a DQ of one.</summary>
    private static (Node Add, string Bias)? BiasAdd(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, string y)
    {
        if (!GraphQueries.HasSingleConsumer(graph, consumers, y)) return null;
        var add = consumers[y][0];
        if (add.OpType != "Add" || add.Domain.Length != 0 || add.Inputs.Count != 2) return null;
        string other = add.Inputs[0] == y ? add.Inputs[1] : add.Inputs[0];
        return other == y ? null : (add, other);
    }

    /// <summary>
    /// Whether the bias (float constant, or the int32 constant behind a DQ) has shape [N] — or, for Gemm's C, [1, N] —
    /// so that adding it never broadcasts along rows or changes the output's shape.
    /// </summary>
    private static bool IsBiasVector(Bramble.Graph.Graph graph, Dictionary<string, Node> producers, string name, int n, bool allowRow)
    {
        var t = QdqPatterns.IsDq(producers, name, out var dq) ? QdqPatterns.Const(graph, dq.Inputs[0]) : QdqPatterns.Const(graph, name);
        if (t == null) return false;
        return (t.Rank == 1 && t.Shape[0] == n) || (allowRow && t.Rank == 2 && t.Shape[0] == 1 && t.Shape[1] == n);
    }
}
