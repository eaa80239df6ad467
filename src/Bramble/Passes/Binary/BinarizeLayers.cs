using Bramble.Graph;
using Bramble.Ops;
using Bramble.Tensors;
using Attribute = Bramble.Graph.Attribute;

namespace Bramble.Passes.Binary;

/// <summary>
/// Recognises binary layers in their float-equivalent ONNX form and rewrites them into bit-packed ai.bramble ops.
/// The stored form (what Bramble writes and any ONNX runtime can execute) is
/// <code>
/// xb = Sign(Sub(x, T))            or Sign(BatchNormalization(x)), or Sign(x); optionally × a scalar input scale
/// y  = Conv(xb, Sign(W_latent))   or Gemm(xb, Sign(W_latent), transB=1) / MatMul(xb, Sign(W_latent))
/// y  = Mul(y, alpha) [+ bias] [BatchNormalization] [Relu]      alpha = XNOR-Net's per-filter scale
/// </code>
/// which becomes BinarizeActivation(x, T, signs) → BinaryConv/BinaryGemm(bits, packed W, alpha, bias, activation).
/// Conv keeps ONNX zero padding (pad_value 0, corrected exactly in the kernel). Latent weights containing an exact
/// 0 are left alone (Sign(0) = 0 has no bit); an activation exactly at its threshold binarises to +1 where ONNX's
/// Sign gives 0 — the only difference from the float graph besides the rounding of folded BatchNormalizations.
/// </summary>
public sealed class BinarizeLayers : IGraphPass
{
    public string Name => "binarize-layers";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int rewrites = 0;
        var packedActivations = new Dictionary<string, string>(); // Sign output → packed value
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Domain.Length != 0 || !graph.Nodes.Contains(node)) continue;
            var patterns = new BinaryPatterns(graph);
            bool done = node.OpType switch
            {
                "Conv" => RewriteConv(graph, patterns, node, packedActivations),
                "Gemm" or "MatMul" => RewriteGemm(graph, patterns, node, packedActivations),
                _ => false,
            };
            if (done) rewrites++;
        }
        if (rewrites > 0)
        {
            model.Opsets.TryAdd(OpRegistry.BrambleDomain, 1);
            RemoveDeadNodes(graph);
            GraphQueries.DropUnusedInitializers(graph);
        }
        return rewrites;
    }

    private static bool RewriteConv(Bramble.Graph.Graph graph, BinaryPatterns p, Node conv, Dictionary<string, string> packed)
    {
        if (conv.GetInt("group", 1) != 1 || conv.Inputs.Count < 2) return false;
        var w = p.SignedConstant(conv.Inputs[1]);
        if (w == null || w.Rank != 4) return false;
        int m = w.Shape[0], c = w.Shape[1];
        var act = p.Activation(conv.Inputs[0], 4, c);
        if (act == null) return false;
        var bias = new float[m];
        if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0)
        {
            var b = GraphQueries.Constant(graph, conv.Inputs[2]);
            if (b == null || b.Type != DataType.Float32 || b.Length != m) return false;
            b.AsReadOnlySpan<float>().CopyTo(bias);
        }
        var alpha = new float[m];
        Array.Fill(alpha, act.Scale);
        var chain = p.Output(conv.Outputs[0], 4, m, alpha, bias);

        string bits = PackActivation(graph, conv, act, packed);
        var node = new Node("BinaryConv", [bits, AddConstant(graph, conv.Inputs[1] + "_bits", BitPacked.PackWeights(w)),
            AddConstant(graph, conv.DisplayName + "_alpha", Tensor.FromArray(chain.Alpha, m)),
            AddConstant(graph, conv.DisplayName + "_bias", Tensor.FromArray(chain.Bias, m))],
            [chain.Output], conv.Name.Length > 0 ? conv.Name : graph.UniqueName("binary_conv"), OpRegistry.BrambleDomain);
        foreach (var name in new[] { "strides", "pads", "dilations", "auto_pad", "kernel_shape" })
            if (conv.Attributes.TryGetValue(name, out var a)) node.Attributes[name] = a;
        node.Attributes["channels"] = Attribute.Of("channels", (long)c);
        node.Attributes["pad_value"] = Attribute.Of("pad_value", 0L);
        if (chain.Relu) node.Attributes["activation"] = Attribute.Of("activation", "Relu");
        Replace(graph, conv, chain.Consumed, node);
        return true;
    }

    private static bool RewriteGemm(Bramble.Graph.Graph graph, BinaryPatterns p, Node gemm, Dictionary<string, string> packed)
    {
        bool isGemm = gemm.OpType == "Gemm";
        if (gemm.Inputs.Count < 2 || (isGemm && gemm.GetInt("transA", 0) != 0)) return false;
        var w = p.SignedConstant(gemm.Inputs[1]);
        if (w == null || w.Rank != 2) return false;
        // Packed weights are rows of K: Gemm's transB = 1 layout [M, K]; otherwise [K, M] is transposed first.
        bool transposed = isGemm && gemm.GetInt("transB", 0) != 0;
        int m = transposed ? w.Shape[0] : w.Shape[1], k = transposed ? w.Shape[1] : w.Shape[0];
        var act = p.Activation(gemm.Inputs[0], 2, k);
        if (act == null) return false;
        float gemmAlpha = isGemm ? gemm.GetFloat("alpha", 1f) : 1f, beta = isGemm ? gemm.GetFloat("beta", 1f) : 1f;
        var bias = new float[m];
        if (isGemm && gemm.Inputs.Count > 2 && gemm.Inputs[2].Length > 0)
        {
            if (p.PerChannel(gemm.Inputs[2], 2, m) is not { } b) return false;
            for (int i = 0; i < m; i++) bias[i] = beta * b[i];
        }
        var alpha = new float[m];
        Array.Fill(alpha, act.Scale * gemmAlpha);
        var chain = p.Output(gemm.Outputs[0], 2, m, alpha, bias);

        using var rows = transposed ? null : Transpose(w);
        string bits = PackActivation(graph, gemm, act, packed);
        var node = new Node("BinaryGemm", [bits, AddConstant(graph, gemm.Inputs[1] + "_bits", BitPacked.PackWeights(rows ?? w)),
            AddConstant(graph, gemm.DisplayName + "_alpha", Tensor.FromArray(chain.Alpha, m)),
            AddConstant(graph, gemm.DisplayName + "_bias", Tensor.FromArray(chain.Bias, m))],
            [chain.Output], gemm.Name.Length > 0 ? gemm.Name : graph.UniqueName("binary_gemm"), OpRegistry.BrambleDomain);
        node.Attributes["channels"] = Attribute.Of("channels", (long)k);
        if (chain.Relu) node.Attributes["activation"] = Attribute.Of("activation", "Relu");
        Replace(graph, gemm, chain.Consumed, node);
        return true;
    }

    /// <summary>One BinarizeActivation per binarised activation, shared by all binary layers that read it.</summary>
    private static string PackActivation(Bramble.Graph.Graph graph, Node layer, ActivationBinarisation act, Dictionary<string, string> packed)
    {
        string key = act.Consumed[^1].Outputs[0] + "|" + layer.Inputs[0];
        if (packed.TryGetValue(key, out var existing)) return existing;
        string bits = graph.UniqueName(layer.Inputs[0] + "_bits");
        var node = new Node("BinarizeActivation",
            [act.Input, AddConstant(graph, bits + "_thresholds", Tensor.FromArray(act.Thresholds, act.Thresholds.Length)),
             AddConstant(graph, bits + "_signs", Tensor.FromArray(act.Signs, act.Signs.Length))],
            [bits], graph.UniqueName("binarize_" + layer.DisplayName), OpRegistry.BrambleDomain);
        graph.Nodes.Insert(graph.Nodes.IndexOf(layer), node);
        packed[key] = bits;
        return bits;
    }

    private static string AddConstant(Bramble.Graph.Graph graph, string stem, Tensor value)
    {
        string name = graph.UniqueName(stem);
        graph.Initializers[name] = value;
        return name;
    }

    private static void Replace(Bramble.Graph.Graph graph, Node layer, List<Node> tail, Node replacement)
    {
        int at = graph.Nodes.IndexOf(layer);
        graph.Nodes[at] = replacement;
        foreach (var n in tail) graph.Nodes.Remove(n);
    }

    private static Tensor Transpose(Tensor w)
    {
        int rows = w.Shape[0], cols = w.Shape[1];
        var t = Tensor.Allocate(DataType.Float32, cols, rows);
        var src = w.AsReadOnlySpan<float>();
        var dst = t.AsSpan<float>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        return t;
    }

    /// <summary>Removes nodes (Sign, Sub, BatchNormalization, scale Mul) whose outputs nobody reads any more.</summary>
    private static void RemoveDeadNodes(Bramble.Graph.Graph graph)
    {
        bool removed;
        do
        {
            var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name)));
            removed = graph.Nodes.RemoveAll(n => n.Domain.Length == 0 && n.OpType is "Sign" or "Sub" or "BatchNormalization" or "Mul"
                && n.Outputs.All(o => o.Length == 0 || !used.Contains(o))) > 0;
        } while (removed);
    }
}
