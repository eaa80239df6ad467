using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>Builds the plain ONNX Conv/Gemm nodes that replace a decomposed layer.</summary>
internal static class GraphEdit
{
    /// <summary>Adds a float32 initializer (rounded from double) under a fresh name derived from <paramref name="stem"/>.</summary>
    public static string AddWeights(Bramble.Graph.Graph graph, string stem, double[] values, params int[] shape)
    {
        string name = graph.UniqueName(stem);
        var t = Tensor.Allocate(DataType.Float32, shape);
        var dst = t.AsSpan<float>();
        if (dst.Length != values.Length) throw new InvalidOperationException($"weights '{name}': {values.Length} values for shape {string.Join("x", shape)}");
        for (int i = 0; i < values.Length; i++) dst[i] = (float)values[i];
        graph.Initializers[name] = t;
        return name;
    }

    /// <summary>A 2-D Conv node; <paramref name="bias"/> null = no bias input.</summary>
    public static Node Conv(Bramble.Graph.Graph graph, string name, string input, string output, string weights, string? bias,
        int kh, int kw, int strideH = 1, int strideW = 1, int dilationH = 1, int dilationW = 1,
        int padTop = 0, int padLeft = 0, int padBottom = 0, int padRight = 0, int group = 1)
    {
        var inputs = bias == null ? new[] { input, weights } : new[] { input, weights, bias };
        var node = new Node("Conv", inputs, [output], graph.UniqueName(name));
        node.With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { kh, kw }));
        node.With(Bramble.Graph.Attribute.Of("strides", new long[] { strideH, strideW }));
        node.With(Bramble.Graph.Attribute.Of("dilations", new long[] { dilationH, dilationW }));
        node.With(Bramble.Graph.Attribute.Of("pads", new long[] { padTop, padLeft, padBottom, padRight }));
        if (group != 1) node.With(Bramble.Graph.Attribute.Of("group", (long)group));
        return node;
    }

    /// <summary>Replaces <paramref name="old"/> by <paramref name="chain"/> (already wired: first reads old's input, last writes old's output).</summary>
    public static void Replace(Bramble.Graph.Graph graph, Node old, IReadOnlyList<Node> chain)
    {
        int at = graph.Nodes.IndexOf(old);
        if (at < 0) throw new InvalidOperationException($"{old.Describe()} is not in the graph");
        graph.Nodes.RemoveAt(at);
        graph.Nodes.InsertRange(at, chain);
    }

    /// <summary>A fresh intermediate value name.</summary>
    public static string Value(Bramble.Graph.Graph graph, string stem) => graph.UniqueName(stem);
}
