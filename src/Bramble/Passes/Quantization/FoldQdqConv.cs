using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops;
using Bramble.Tensors;

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
        {
            var consumers = graph.ConsumerMap();
            var producers = graph.ProducerMap();
            var fused = TryFold(graph, conv, producers, consumers, model.OpsetFor("") < 10);
            if (fused == null) continue;
            folded++;
        }
        if (folded > 0)
        {
            RemoveDeadDequantize(graph);
            GraphQueries.DropUnusedInitializers(graph);
            model.Opsets.TryAdd(OpRegistry.BrambleDomain, 1);
        }
        return folded;
    }

    private static Node? TryFold(Bramble.Graph.Graph graph, Node conv, Dictionary<string, Node> producers, Dictionary<string, List<Node>> consumers, bool brambleDomain)
    {
        if (!IsDq(producers, conv.Inputs[0], out var dqX) || !IsDq(producers, conv.InputOrEmpty(1), out var dqW)) return null;
        var xs = Const(graph, dqX.InputOrEmpty(1));
        var xz = Const(graph, dqX.InputOrEmpty(2));
        if (xs is not { Type: DataType.Float32, Length: 1 } || xz is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return null;
        var wq = Const(graph, dqW.Inputs[0]);
        var ws = Const(graph, dqW.InputOrEmpty(1));
        var wz = Const(graph, dqW.InputOrEmpty(2));
        if (wq is not { Type: DataType.Int8 or DataType.UInt8 } || ws is not { Type: DataType.Float32 }) return null;
        int m = wq.Shape[0];
        if (ws.Length != 1 && (ws.Length != m || dqW.GetInt("axis", 1) != 0)) return null;
        if (dqW.InputOrEmpty(2).Length > 0 && (wz == null || wz.Type != wq.Type || wz.Length != ws.Length)) return null;

        // The float output must reach a Q, possibly through one Relu or constant Clip, with no other readers.
        string y = conv.Outputs[0];
        if (!GraphQueries.HasSingleConsumer(graph, consumers, y)) return null;
        var next = consumers[y][0];
        Node? act = null;
        if (next.Domain.Length == 0 && (next.OpType == "Relu" || (next.OpType == "Clip" && QdqPatterns.ClipRange(graph, next) != null)))
        {
            act = next;
            if (!GraphQueries.HasSingleConsumer(graph, consumers, act.Outputs[0])) return null;
            next = consumers[act.Outputs[0]][0];
        }
        if (!IsQ(next)) return null;
        var q = next;
        var ys = Const(graph, q.InputOrEmpty(1));
        var yz = Const(graph, q.InputOrEmpty(2));
        if (ys is not { Type: DataType.Float32, Length: 1 } || yz is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return null;

        float xScale = xs.AsReadOnlySpan<float>()[0];
        var bias = FoldBias(graph, conv, producers, xScale, ws, m);
        if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0 && bias == null) return null;

        var inputs = new List<string> { dqX.Inputs[0], dqX.Inputs[1], dqX.Inputs[2], dqW.Inputs[0], dqW.Inputs[1] };
        inputs.Add(wz != null ? dqW.Inputs[2] : AddInitializer(graph, conv.DisplayName + "_w_zero_point", ZeroLike(wq.Type, ws.Length)));
        inputs.Add(q.Inputs[1]);
        inputs.Add(q.Inputs[2]);
        if (bias != null) inputs.Add(AddInitializer(graph, conv.DisplayName + "_bias_int32", bias));
        var fused = new Node("QLinearConv", inputs, [q.Outputs[0]], conv.Name.Length > 0 ? conv.Name : q.Outputs[0]);
        foreach (var (k, v) in conv.Attributes) fused.Attributes[k] = v;
        // Models older than opset 10 have no standard QLinearConv: Bramble's own domain carries it.
        if (brambleDomain) fused.Domain = OpRegistry.BrambleDomain;
        if (act != null)
        {
            bool signed = yz.Type == DataType.Int8;
            var (lo, hi) = Requantize.Range(signed);
            int zp = (int)yz.GetInt64(0);
            float scale = ys.AsReadOnlySpan<float>()[0];
            var (fmin, fmax) = act.OpType == "Relu" ? (0f, float.PositiveInfinity) : QdqPatterns.ClipRange(graph, act)!.Value;
            int qmin = float.IsNegativeInfinity(fmin) ? lo : Requantize.Quantize(fmin, scale, zp, lo, hi);
            int qmax = float.IsPositiveInfinity(fmax) ? hi : Requantize.Quantize(fmax, scale, zp, lo, hi);
            fused.Domain = OpRegistry.BrambleDomain;
            fused.Attributes["fused_min"] = Bramble.Graph.Attribute.Of("fused_min", (long)qmin);
            fused.Attributes["fused_max"] = Bramble.Graph.Attribute.Of("fused_max", (long)qmax);
        }
        int at = graph.Nodes.IndexOf(conv);
        graph.Nodes.Remove(conv);
        if (act != null) graph.Nodes.Remove(act);
        graph.Nodes.Remove(q);
        graph.Nodes.Insert(Math.Min(at, graph.Nodes.Count), fused);
        return fused;
    }

    /// <summary>The bias as int32 at scale x_scale·w_scale[m]: from DQ(int32) or a float constant; null if neither.</summary>
    private static Tensor? FoldBias(Bramble.Graph.Graph graph, Node conv, Dictionary<string, Node> producers, float xScale, Tensor ws, int m)
    {
        string name = conv.InputOrEmpty(2);
        if (name.Length == 0) return null;
        var values = new double[m];
        if (IsDq(producers, name, out var dqB))
        {
            var bq = Const(graph, dqB.Inputs[0]);
            var bs = Const(graph, dqB.InputOrEmpty(1));
            var bz = Const(graph, dqB.InputOrEmpty(2));
            if (bq is not { Type: DataType.Int32 } || bq.Length != m || bs is not { Type: DataType.Float32 } || (bs.Length != 1 && bs.Length != m)) return null;
            for (int i = 0; i < m; i++)
                values[i] = (bq.GetInt64(i) - (bz == null ? 0 : bz.GetInt64(bz.Length == 1 ? 0 : i))) * (double)bs.AsReadOnlySpan<float>()[bs.Length == 1 ? 0 : i];
        }
        else if (Const(graph, name) is { Type: DataType.Float32 } b && b.Length == m)
            for (int i = 0; i < m; i++) values[i] = b.AsReadOnlySpan<float>()[i];
        else return null;
        var result = new int[m];
        for (int i = 0; i < m; i++)
        {
            double s = (double)xScale * ws.AsReadOnlySpan<float>()[ws.Length == 1 ? 0 : i];
            result[i] = (int)Math.Clamp(Math.Round(values[i] / s), int.MinValue + 1, int.MaxValue);
        }
        return Tensor.FromArray(result, m);
    }

    private static bool IsDq(Dictionary<string, Node> producers, string value, out Node dq)
    {
        dq = null!;
        if (value.Length == 0 || !producers.TryGetValue(value, out var p)) return false;
        if (p.OpType != "DequantizeLinear" || (p.Domain.Length != 0 && p.Domain != OpRegistry.MicrosoftDomain)) return false;
        dq = p;
        return true;
    }

    private static bool IsQ(Node n) => n.OpType == "QuantizeLinear" && (n.Domain.Length == 0 || n.Domain == OpRegistry.MicrosoftDomain);

    private static Tensor? Const(Bramble.Graph.Graph graph, string name) => GraphQueries.Constant(graph, name);

    private static Tensor ZeroLike(DataType type, long count) =>
        type == DataType.Int8 ? Tensor.FromArray(new sbyte[count], (int)count) : Tensor.FromArray(new byte[count], (int)count);

    private static string AddInitializer(Bramble.Graph.Graph graph, string stem, Tensor t)
    {
        string name = graph.UniqueName(stem);
        graph.Initializers[name] = t;
        return name;
    }

    /// <summary>Removes DequantizeLinear nodes whose output nobody reads any more (weights, biases, folded inputs).</summary>
    private static void RemoveDeadDequantize(Bramble.Graph.Graph graph)
    {
        var read = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs));
        foreach (var o in graph.Outputs) read.Add(o.Name);
        graph.Nodes.RemoveAll(n => n.OpType == "DequantizeLinear" && !read.Contains(n.Outputs[0]));
    }
}

/// <summary>Helpers shared by the quantization passes.</summary>
internal static class QdqPatterns
{
    public static (float Min, float Max)? ClipRange(Bramble.Graph.Graph graph, Node clip) =>
        Bramble.Quantization.LayerSelection.ClipBounds(graph, clip);
}
