using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Pruning;

/// <summary>Small CNNs built in code for the pruning tests.</summary>
internal static class PruningModels
{
    public static Tensor Random(Random rng, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static Node Conv(string name, string x, string w, string? b, string y, int k, int group = 1)
    {
        var node = new Node("Conv", b == null ? [x, w] : [x, w, b], [y], name);
        node.With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { k, k }));
        node.With(Bramble.Graph.Attribute.Of("pads", new long[] { k / 2, k / 2, k / 2, k / 2 }));
        if (group != 1) node.With(Bramble.Graph.Attribute.Of("group", (long)group));
        return node;
    }

    /// <summary>
    /// x[1,3,8,8] → conv1 3×3 (8, bias) → BN → Relu → MaxPool 2×2 → conv2 1×1 (6, bias) → Relu → conv3 3×3 (4) → y.
    /// When <paramref name="deadFilters"/> is set, conv1 filters 2 and 5 (with BN β = μ = 0) and conv2 filter 3
    /// (bias 0) are all-zero, so their channels carry exact zeros and removing them changes nothing.
    /// </summary>
    public static Model Chain(int seed, bool deadFilters)
    {
        var rng = new Random(seed);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 3, 8, 8));
        g.Initializers["w1"] = Random(rng, 8, 3, 3, 3);
        g.Initializers["b1"] = Random(rng, 8);
        g.Initializers["gamma"] = Random(rng, 8);
        g.Initializers["beta"] = Random(rng, 8);
        g.Initializers["mean"] = Random(rng, 8);
        var variance = Random(rng, 8);
        foreach (ref float v in variance.AsSpan<float>()) v = 0.5f + MathF.Abs(v);
        g.Initializers["var"] = variance;
        g.Initializers["w2"] = Random(rng, 6, 8, 1, 1);
        g.Initializers["b2"] = Random(rng, 6);
        g.Initializers["w3"] = Random(rng, 4, 6, 3, 3);
        if (deadFilters)
        {
            foreach (int f in new[] { 2, 5 })
            {
                g.Initializers["w1"].AsSpan<float>().Slice(f * 27, 27).Clear();
                g.Initializers["b1"].AsSpan<float>()[f] = 0;
                g.Initializers["beta"].AsSpan<float>()[f] = 0;
                g.Initializers["mean"].AsSpan<float>()[f] = 0;
            }
            g.Initializers["w2"].AsSpan<float>().Slice(3 * 8, 8).Clear();
            g.Initializers["b2"].AsSpan<float>()[3] = 0;
        }
        g.Nodes.Add(Conv("conv1", "x", "w1", "b1", "c1", 3));
        g.Nodes.Add(new Node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["n1"], "bn1"));
        g.Nodes.Add(new Node("Relu", ["n1"], ["r1"], "relu1"));
        var pool = new Node("MaxPool", ["r1"], ["p1"], "pool1");
        pool.With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { 2, 2 }));
        pool.With(Bramble.Graph.Attribute.Of("strides", new long[] { 2, 2 }));
        g.Nodes.Add(pool);
        g.Nodes.Add(Conv("conv2", "p1", "w2", "b2", "c2", 1));
        g.Nodes.Add(new Node("Relu", ["c2"], ["r2"], "relu2"));
        g.Nodes.Add(Conv("conv3", "r2", "w3", null, "y", 3));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 4, 4, 4));
        return new Model(g);
    }

    public static float[] Run(Model model, Tensor x, string input = "x")
    {
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var outputs = session.Run(new Dictionary<string, Tensor> { [input] = x });
        var y = outputs.Values.First();
        var result = y.AsReadOnlySpan<float>().ToArray();
        foreach (var t in outputs.Values) t.Dispose();
        return result;
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance * (1 + MathF.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
