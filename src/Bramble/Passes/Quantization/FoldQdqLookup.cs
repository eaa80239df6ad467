using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Passes.Quantization;

/// <summary>
/// DequantizeLinear → a chain of elementwise float ops whose only varying input is that one value → QuantizeLinear
/// becomes one <see cref="Ops.Quantized.QLookup"/>: with per-tensor parameters the chain maps each of the 256 input
/// codes to one output code, so the chain runs once, on the 256 dequantized codes, when the session is built.
/// Between int8 layers that is how activations without an integer kernel stay int8 — PP-OCR's HardSwish (written
/// out as Add, Clip, Mul, Div) and its learnable scalar scale and shift, Sigmoid, Tanh, LeakyRelu — one byte pass
/// instead of a dequantize pass, a float pass per op and a quantize pass.
/// </summary>
public sealed class FoldQdqLookup : IGraphPass
{
    /// <summary>Ops computed element by element, with the other operands scalar constants where they take any.</summary>
    private static readonly HashSet<string> Elementwise =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Clip", "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid",
        "HardSwish", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Softplus", "Elu", "Selu", "Erf", "Mish",
    ];

    public string Name => "fold-qdq-lookup";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0;
        foreach (var dq in graph.Nodes.Where(n => n.OpType == "DequantizeLinear").ToList())
        {
            if (!graph.Nodes.Contains(dq)) continue;
            if (TryFold(model, dq)) folded++;
        }
        if (folded > 0) QdqPatterns.Finish(model);
        return folded;
    }

    private static bool TryFold(Model model, Node dq)
    {
        var graph = model.Graph;
        if ((dq.Domain.Length != 0 && dq.Domain != OpRegistry.MicrosoftDomain) || GraphQueries.Constant(graph, dq.Inputs[0]) != null) return false;
        var xScale = QdqPatterns.Const(graph, dq.InputOrEmpty(1));
        var xZp = QdqPatterns.Const(graph, dq.InputOrEmpty(2));
        if (xScale is not { Type: DataType.Float32, Length: 1 } || xZp is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return false;

        // The region: nodes after the DequantizeLinear (the graph is sorted) that are elementwise in values it made.
        string x = dq.Outputs[0];
        var values = new HashSet<string> { x };
        var region = new List<Node>();
        int start = graph.Nodes.IndexOf(dq);
        for (int i = start + 1; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Domain.Length != 0 || !Elementwise.Contains(node.OpType) || node.Outputs.Count != 1) continue;
            bool reads = false, pure = true;
            foreach (var input in node.Inputs)
            {
                if (input.Length == 0) continue;
                if (values.Contains(input)) reads = true;
                else if (GraphQueries.Constant(graph, input) is not { Type: DataType.Float32, Length: 1, Shape.Length: <= 1 }) pure = false;
            }
            if (!reads || !pure) continue;
            region.Add(node);
            values.Add(node.Outputs[0]);
        }
        if (region.Count == 0) return false;

        // Exactly one value may leave the region, read only by one per-tensor QuantizeLinear.
        var consumers = graph.ConsumerMap();
        var inRegion = region.ToHashSet();
        string? exit = null;
        foreach (var value in values)
        {
            bool outside = graph.Outputs.Any(o => o.Name == value)
                || (consumers.TryGetValue(value, out var readers) && readers.Any(r => !inRegion.Contains(r)));
            if (!outside) continue;
            if (exit != null) return false;
            exit = value;
        }
        if (exit == null || exit == x || graph.Outputs.Any(o => o.Name == exit) || consumers[exit].Count != 1) return false;
        var q = consumers[exit][0];
        if (!QdqPatterns.IsQ(q)) return false;
        var yScale = QdqPatterns.Const(graph, q.InputOrEmpty(1));
        var yZp = QdqPatterns.Const(graph, q.InputOrEmpty(2));
        if (yScale is not { Type: DataType.Float32, Length: 1 } || yZp is not { Type: DataType.UInt8 or DataType.Int8, Length: 1 }) return false;
        if (q.GetInt("saturate", 1) == 0) return false;

        string tableName = QdqPatterns.AddInitializer(graph, exit + "_lookup", Table(model, region, x, exit, xScale, xZp, yScale, yZp));
        var lookup = new Node("QLookup", [dq.Inputs[0], tableName], [q.Outputs[0]], q.Name.Length > 0 ? q.Name : exit, OpRegistry.BrambleDomain);
        int at = graph.Nodes.IndexOf(q);
        graph.Nodes.Insert(at, lookup);
        graph.Nodes.Remove(q);
        foreach (var node in region) graph.Nodes.Remove(node);
        return true;
    }

    /// <summary>The 256 output codes: the region run by a small session on the dequantized input codes, then quantized.</summary>
    private static Tensor Table(Model model, List<Node> region, string x, string exit, Tensor xScale, Tensor xZp, Tensor yScale, Tensor yZp)
    {
        bool xSigned = xZp.Type == DataType.Int8, ySigned = yZp.Type == DataType.Int8;
        float scale = xScale.AsReadOnlySpan<float>()[0];
        int zp = (int)xZp.GetInt64(0);
        var codes = new float[256];
        for (int b = 0; b < 256; b++) codes[b] = ((xSigned ? (sbyte)b : b) - zp) * scale;

        const string Input = "lookup_x";
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of(Input, DataType.Float32, 256));
        g.Outputs.Add(new ValueInfo(exit, DataType.Float32, null));
        foreach (var node in region)
        {
            var copy = new Node(node.OpType, node.Inputs.Select(i => i == x ? Input : i), node.Outputs, node.Name, node.Domain);
            foreach (var (k, v) in node.Attributes) copy.Attributes[k] = v;
            g.Nodes.Add(copy);
            foreach (var input in node.Inputs)
                if (input.Length > 0 && input != x && model.Graph.Initializers.TryGetValue(input, out var c) && !g.Initializers.ContainsKey(input))
                    g.Initializers[input] = c.Clone();
        }
        var mini = new Model(g);
        foreach (var (domain, version) in model.Opsets) mini.Opsets[domain] = version;
        using var session = new InferenceSession(mini, new SessionOptions { Threads = 1, Optimization = OptimizationLevel.None }, ownsModel: true);
        using var dequantized = Tensor.FromArray(codes, 256);
        var outputs = session.Run(new Dictionary<string, Tensor> { [Input] = dequantized });
        var y = outputs[exit];
        float outScale = yScale.AsReadOnlySpan<float>()[0];
        int outZp = (int)yZp.GetInt64(0);
        var (lo, hi) = Requantize.Range(ySigned);
        var ys = y.AsReadOnlySpan<float>();
        Tensor table = ySigned ? Tensor.FromArray(new sbyte[256], 256) : Tensor.FromArray(new byte[256], 256);
        var bytes = table.AsSpan<byte>();
        for (int b = 0; b < 256; b++) bytes[b] = (byte)Requantize.Quantize(ys[b], outScale, outZp, lo, hi);
        foreach (var t in outputs.Values) t.Dispose();
        return table;
    }
}
