using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Passes.Quantization;

/// <summary>A per-tensor 8-bit activation read through DequantizeLinear: the DQ node and its constant scale.</summary>
internal readonly record struct QuantizedInput(Node Dq, float Scale);

/// <summary>Constant 8-bit weights read through DequantizeLinear, with one scale (and zero point) per tensor or per output channel.</summary>
internal readonly record struct QuantizedWeights(Node Dq, Tensor Values, Tensor Scale, Tensor? ZeroPoint);

/// <summary>Where a float layer's output is quantized: an optional Relu / constant Clip, then the QuantizeLinear.</summary>
internal readonly record struct QuantizedOutput(Node? Activation, Node Q, Tensor Scale, Tensor ZeroPoint);

/// <summary>
/// The matching and rewriting pieces the QDQ folding passes share (<see cref="FoldQdqConv"/>, <see cref="FoldQdqGemm"/>):
/// recognising DQ inputs, constant quantized weights, the Q (after an optional activation) that ends a layer, the
/// bias at the accumulator's scale, the fused output range, and the clean-up after folding.
/// </summary>
internal static class QdqPatterns
{
    public static (float Min, float Max)? ClipRange(Bramble.Graph.Graph graph, Node clip) =>
        Bramble.Quantization.LayerSelection.ClipBounds(graph, clip);

    public static Tensor? Const(Bramble.Graph.Graph graph, string name) => GraphQueries.Constant(graph, name);

    /// <summary>Whether <paramref name="value"/> is produced by a DequantizeLinear (standard or Microsoft domain).</summary>
    public static bool IsDq(Dictionary<string, Node> producers, string value, out Node dq)
    {
        dq = null!;
        if (value.Length == 0 || !producers.TryGetValue(value, out var p)) return false;
        if (p.OpType != "DequantizeLinear" || (p.Domain.Length != 0 && p.Domain != OpRegistry.MicrosoftDomain)) return false;
        dq = p;
        return true;
    }

    public static bool IsQ(Node n) => n.OpType == "QuantizeLinear" && (n.Domain.Length == 0 || n.Domain == OpRegistry.MicrosoftDomain);

    /// <summary>A DQ of a per-tensor 8-bit activation with constant scale and zero point, or null.</summary>
    public static QuantizedInput? Input(Bramble.Graph.Graph graph, Dictionary<string, Node> producers, string value)
    {
        if (!IsDq(producers, value, out var dq)) return null;
        var scale = Const(graph, dq.InputOrEmpty(1));
        var zp = Const(graph, dq.InputOrEmpty(2));
        if (scale is not { Type: DataType.Float32, Length: 1 } || zp is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return null;
        return new QuantizedInput(dq, scale.AsReadOnlySpan<float>()[0]);
    }

    /// <summary>
    /// A DQ of constant 8-bit weights whose scale is per tensor or per slice along <paramref name="channelAxis"/> (the
    /// output channels); a zero point, if given, of the same type and count. Null otherwise.
    /// </summary>
    public static QuantizedWeights? Weights(Bramble.Graph.Graph graph, Dictionary<string, Node> producers, string value, int channelAxis)
    {
        if (!IsDq(producers, value, out var dq)) return null;
        var w = Const(graph, dq.Inputs[0]);
        var s = Const(graph, dq.InputOrEmpty(1));
        var z = Const(graph, dq.InputOrEmpty(2));
        if (w is not { Type: DataType.Int8 or DataType.UInt8 } || s is not { Type: DataType.Float32 } || channelAxis >= w.Rank) return null;
        int axis = (int)dq.GetInt("axis", 1);
        if (axis < 0) axis += w.Rank;
        if (s.Length != 1 && (s.Length != w.Shape[channelAxis] || axis != channelAxis)) return null;
        if (dq.InputOrEmpty(2).Length > 0 && (z == null || z.Type != w.Type || z.Length != s.Length)) return null;
        return new QuantizedWeights(dq, w, s, z);
    }

    /// <summary>
    /// The Q that quantizes <paramref name="y"/>, possibly through one Relu or constant Clip, when every float tensor
    /// on the way has that single reader and the Q's parameters are per-tensor constants. Null otherwise.
    /// </summary>
    public static QuantizedOutput? Output(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, string y)
    {
        if (!GraphQueries.HasSingleConsumer(graph, consumers, y)) return null;
        var next = consumers[y][0];
        Node? act = null;
        if (next.Domain.Length == 0 && (next.OpType == "Relu" || (next.OpType == "Clip" && ClipRange(graph, next) != null)))
        {
            act = next;
            if (!GraphQueries.HasSingleConsumer(graph, consumers, act.Outputs[0])) return null;
            next = consumers[act.Outputs[0]][0];
        }
        if (!IsQ(next)) return null;
        var scale = Const(graph, next.InputOrEmpty(1));
        var zp = Const(graph, next.InputOrEmpty(2));
        if (scale is not { Type: DataType.Float32, Length: 1 } || zp is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return null;
        return new QuantizedOutput(act, next, scale, zp);
    }

    /// <summary>
    /// The bias <paramref name="name"/> as int32 at the accumulator's scale x_scale·w_scale[m]: from DQ(int32) or a
    /// float constant of <paramref name="m"/> values; null if it is neither.
    /// </summary>
    public static Tensor? FoldBias(Bramble.Graph.Graph graph, Dictionary<string, Node> producers, string name, float xScale, Tensor ws, int m)
    {
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

    /// <summary>
    /// The integer op's first eight inputs, in QLinearConv's order: x, x_scale, x_zp, w, w_scale, w_zp (an added zero
    /// initializer when the weights' DQ has none), y_scale, y_zp.
    /// </summary>
    public static List<string> LinearInputs(Bramble.Graph.Graph graph, QuantizedInput x, QuantizedWeights w, QuantizedOutput y, string stem) =>
    [
        x.Dq.Inputs[0], x.Dq.Inputs[1], x.Dq.Inputs[2], w.Dq.Inputs[0], w.Dq.Inputs[1],
        w.ZeroPoint != null ? w.Dq.Inputs[2] : AddInitializer(graph, stem + "_w_zero_point", ZeroLike(w.Values.Type, w.Scale.Length)),
        y.Q.Inputs[1], y.Q.Inputs[2],
    ];

    /// <summary>Moves the folded activation's range onto <paramref name="fused"/> as ai.bramble's quantized clamp fused_min / fused_max.</summary>
    public static void FuseActivation(Bramble.Graph.Graph graph, Node fused, QuantizedOutput y)
    {
        if (y.Activation is not { } act) return;
        bool signed = y.ZeroPoint.Type == DataType.Int8;
        var (lo, hi) = Requantize.Range(signed);
        int zp = (int)y.ZeroPoint.GetInt64(0);
        float scale = y.Scale.AsReadOnlySpan<float>()[0];
        var (fmin, fmax) = act.OpType == "Relu" ? (0f, float.PositiveInfinity) : ClipRange(graph, act)!.Value;
        int qmin = float.IsNegativeInfinity(fmin) ? lo : Requantize.Quantize(fmin, scale, zp, lo, hi);
        int qmax = float.IsPositiveInfinity(fmax) ? hi : Requantize.Quantize(fmax, scale, zp, lo, hi);
        fused.Domain = OpRegistry.BrambleDomain;
        fused.Attributes["fused_min"] = Bramble.Graph.Attribute.Of("fused_min", (long)qmin);
        fused.Attributes["fused_max"] = Bramble.Graph.Attribute.Of("fused_max", (long)qmax);
    }

    /// <summary>Puts <paramref name="fused"/> where <paramref name="anchor"/> was and removes the nodes it replaces.</summary>
    public static void Replace(Bramble.Graph.Graph graph, Node anchor, Node fused, params Node?[] replaced)
    {
        int at = graph.Nodes.IndexOf(anchor);
        graph.Nodes.Remove(anchor);
        foreach (var node in replaced)
            if (node != null) graph.Nodes.Remove(node);
        graph.Nodes.Insert(Math.Min(at, graph.Nodes.Count), fused);
    }

    /// <summary>After folding: drops the DQ nodes and initializers nothing reads any more and declares the ai.bramble opset.</summary>
    public static void Finish(Model model)
    {
        RemoveDeadDequantize(model.Graph);
        GraphQueries.DropUnusedInitializers(model.Graph);
        model.Opsets.TryAdd(OpRegistry.BrambleDomain, 1);
    }

    public static string AddInitializer(Bramble.Graph.Graph graph, string stem, Tensor t)
    {
        string name = graph.UniqueName(stem);
        graph.Initializers[name] = t;
        return name;
    }

    private static Tensor ZeroLike(DataType type, long count) =>
        type == DataType.Int8 ? Tensor.FromArray(new sbyte[count], (int)count) : Tensor.FromArray(new byte[count], (int)count);

    /// <summary>Removes DequantizeLinear nodes whose output nobody reads any more (weights, biases, folded inputs).</summary>
    private static void RemoveDeadDequantize(Bramble.Graph.Graph graph)
    {
        var read = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs));
        foreach (var o in graph.Outputs) read.Add(o.Name);
        graph.Nodes.RemoveAll(n => n.OpType == "DequantizeLinear" && !read.Contains(n.Outputs[0]));
    }
}
