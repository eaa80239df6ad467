using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Decomposition;

/// <summary>Tiny CNNs built in code for decomposition tests.</summary>
internal static class SmallModels
{
    /// <summary>x[1,3,12,12] → conv1 3→8 3x3 pad 1 → Relu → conv2 8→16 3x3 s2 pad 1 → Relu → GAP → Flatten → fc 16→10.</summary>
    public static Model Cnn(int seed = 1, Func<int, int, int, int, float[]>? conv2Weights = null)
    {
        var random = new Random(seed);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 3, 12, 12));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 10));
        Add(g, "w1", Randoms(random, 8 * 3 * 9, 0.4f), 8, 3, 3, 3);
        Add(g, "b1", Randoms(random, 8, 0.1f), 8);
        Add(g, "w2", conv2Weights?.Invoke(16, 8, 3, 3) ?? Randoms(random, 16 * 8 * 9, 0.2f), 16, 8, 3, 3);
        Add(g, "b2", Randoms(random, 16, 0.1f), 16);
        Add(g, "wf", Randoms(random, 10 * 16, 0.3f), 10, 16);
        Add(g, "bf", Randoms(random, 10, 0.1f), 10);
        g.Nodes.Add(Conv("conv1", "x", "w1", "b1", "c1", stride: 1));
        g.Nodes.Add(new Node("Relu", ["c1"], ["r1"], "relu1"));
        g.Nodes.Add(Conv("conv2", "r1", "w2", "b2", "c2", stride: 2));
        g.Nodes.Add(new Node("Relu", ["c2"], ["r2"], "relu2"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["r2"], ["p"], "gap"));
        g.Nodes.Add(new Node("Flatten", ["p"], ["f"], "flatten"));
        g.Nodes.Add(new Node("Gemm", ["f", "wf", "bf"], ["y"], "fc").With(Bramble.Graph.Attribute.Of("transB", 1L)));
        return new Model(g);
    }

    private static Node Conv(string name, string x, string w, string b, string y, int stride) =>
        new Node("Conv", [x, w, b], [y], name)
            .With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { 3, 3 }))
            .With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 }))
            .With(Bramble.Graph.Attribute.Of("strides", new long[] { stride, stride }));

    public static float[] Randoms(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 2 - 1) * scale).ToArray();

    private static void Add(Bramble.Graph.Graph g, string name, float[] data, params int[] shape) =>
        g.Initializers[name] = Tensor.FromArray(data, shape);

    public static Tensor Input(int seed)
    {
        var random = new Random(seed);
        return Tensor.FromArray(Randoms(random, 3 * 12 * 12, 1f), 1, 3, 12, 12);
    }

    /// <summary>Runs <paramref name="model"/> and returns the named value (added as an output) for input <paramref name="x"/>.</summary>
    public static float[] Run(Model model, Tensor x, string value = "y")
    {
        using var probe = Bramble.Compression.Decomposition.ResponseCollector.Probe(model, [value]);
        using var session = new InferenceSession(probe, new SessionOptions { Threads = 1 });
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        var result = outputs[value].ToArray<float>();
        foreach (var t in outputs.Values) t.Dispose();
        return result;
    }

    public static double MaxRelativeDiff(float[] a, float[] b)
    {
        double scale = a.Max(v => Math.Abs(v)) + 1e-12, m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m / scale;
    }
}
