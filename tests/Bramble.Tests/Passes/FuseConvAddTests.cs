using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Passes.Fusion;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Passes;

/// <summary>
/// fuse-conv-add: Conv → Add(·, Z) [→ activation] becomes FusedConv with Z as input 3. Every kernel path
/// (1×1 GEMM, implicit GEMM, depthwise, Winograd) on many shapes, every ISA cap, 1 and 2 threads, must give
/// the unfused graph's reference result; the pattern must not fuse where it would change the graph's meaning.
/// </summary>
public class FuseConvAddTests
{
    private static readonly Isa[] Caps = [Isa.Scalar, Isa.Vector128, Isa.Vector256, Isa.Vector512];

    private static Tensor Random(Random rng, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 4 - 2);
        return t;
    }

    /// <summary>x → Conv → c; r → Relu → z (a computed residual, produced after the conv); Add(c, z) → activation → y.</summary>
    private static Model Residual(Random rng, int batch, int c, int m, int k, int stride, int pad, int group, int h, int w,
        string? activation, bool residualFirst, int[] zShape, out int[] xShape)
    {
        var g = new Bramble.Graph.Graph();
        xShape = [batch, c, h, w];
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, xShape));
        g.Inputs.Add(ValueInfo.Of("r", DataType.Float32, zShape));
        g.Initializers["w"] = Random(rng, m, c / group, k, k);
        g.Initializers["b"] = Random(rng, m);
        g.Nodes.Add(new Node("Conv", ["x", "w", "b"], ["c"], "conv").With(Attr.Of("pads", new long[] { pad, pad, pad, pad }))
            .With(Attr.Of("strides", new long[] { stride, stride })).With(Attr.Of("group", (long)group)));
        g.Nodes.Add(new Node("Relu", ["r"], ["z"], "residual"));
        g.Nodes.Add(new Node("Add", residualFirst ? ["z", "c"] : ["c", "z"], ["s"], "add"));
        string output = "s";
        if (activation == "Relu") g.Nodes.Add(new Node("Relu", ["s"], [output = "y"], "act"));
        else if (activation == "Clip")
        {
            g.Initializers["lo"] = Tensor.FromArray(new[] { 0f });
            g.Initializers["hi"] = Tensor.FromArray(new[] { 1.5f });
            g.Nodes.Add(new Node("Clip", ["s", "lo", "hi"], [output = "y"], "act"));
        }
        else if (activation == "Sigmoid") g.Nodes.Add(new Node("Sigmoid", ["s"], [output = "y"], "act"));
        g.Outputs.Add(new ValueInfo(output, DataType.Float32, null));
        var model = new Model(g);
        model.Opsets[""] = 17;
        return model;
    }

    private static float[] Run(Model model, Tensor x, Tensor r, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x, ["r"] = r });
        var y = outputs[model.Graph.Outputs[0].Name].ToArray<float>();
        foreach (var t in outputs.Values) t.Dispose();
        return y;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(MathF.Abs(expected[i] - actual[i]) <= 2e-4f * MathF.Max(1, MathF.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i}: unfused reference {expected[i]}, fused {actual[i]}");
    }

    private static List<Node> Fused(Model model)
    {
        using var copy = model.CloneStructure();
        Bramble.Passes.PassPipeline.Run(copy, Bramble.Passes.PassPipeline.For(OptimizationLevel.All));
        return copy.Graph.Nodes;
    }

    private static void Check(int seed, int batch, int c, int m, int k, int stride, int pad, int group, int h, int w, string? activation,
        bool residualFirst = false, bool broadcastZ = false)
    {
        var rng = new Random(seed);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        int[] zShape = broadcastZ ? [1, m, 1, 1] : [batch, m, oh, ow];
        using var model = Residual(rng, batch, c, m, k, stride, pad, group, h, w, activation, residualFirst, zShape, out var xShape);
        string what = $"seed {seed}: {batch}x{c}x{h}x{w} → {m} k{k} s{stride} p{pad} g{group} {activation ?? "none"}{(broadcastZ ? " broadcast Z" : "")}";
        var nodes = Fused(model);
        var conv = Assert.Single(nodes, n => n.OpType == "FusedConv");
        Assert.Equal("z", conv.Inputs[3]);
        Assert.DoesNotContain(nodes, n => n.OpType == "Add");
        Assert.True(nodes.IndexOf(conv) > nodes.FindIndex(n => n.Outputs.Contains("z")), what + ": fused node runs before its residual");
        using var x = Random(rng, xShape);
        using var r = Random(rng, zShape);
        var expected = Run(model, x, r, new SessionOptions { Threads = 1, ReferenceKernels = true, Optimization = OptimizationLevel.None });
        AssertClose(expected, Run(model, x, r, new SessionOptions { Threads = 1, ReferenceKernels = true }), what + " (fused, reference)");
        foreach (var cap in Caps)
            AssertClose(expected, Run(model, x, r, new SessionOptions { Threads = 1, MaxIsa = cap }), $"{what} (fast, {cap})");
        AssertClose(expected, Run(model, x, r, new SessionOptions { Threads = 2 }), what + " (fast, 2 threads)");
    }

    [Theory]
    // 1×1 GEMM: short K, ragged rows (M not a multiple of MR) and columns (H·W not a multiple of NR).
    [InlineData(1, 1, 24, 24, 1, 1, 0, 1, 16, 16, "Relu")]
    [InlineData(2, 1, 5, 7, 1, 1, 0, 1, 9, 11, null)]
    [InlineData(3, 2, 16, 13, 1, 1, 0, 1, 7, 5, "Clip")]
    [InlineData(4, 1, 300, 9, 1, 1, 0, 1, 5, 3, "Relu")] // K > KC: the epilogue only after the last K block
    // Implicit GEMM: strides, padding, odd channels.
    [InlineData(5, 1, 3, 10, 3, 2, 1, 1, 13, 15, "Relu")]
    [InlineData(6, 2, 7, 5, 3, 1, 0, 1, 6, 9, "Sigmoid")]
    [InlineData(7, 1, 6, 8, 5, 2, 2, 2, 11, 10, "Relu")] // grouped
    // Depthwise (3×3 direct and generic) and Winograd (3×3 stride 1, ≥ 8 channels, ≥ 16 tiles): residual in a second pass.
    [InlineData(8, 1, 12, 12, 3, 1, 1, 12, 10, 17, "Relu")]
    [InlineData(9, 2, 5, 5, 3, 2, 1, 5, 9, 9, null)]
    [InlineData(10, 1, 8, 9, 3, 1, 1, 1, 16, 19, "Clip")]
    [InlineData(11, 2, 8, 8, 3, 1, 1, 1, 17, 16, null)]
    public void ResidualAddFusesAndMatchesReference(int seed, int batch, int c, int m, int k, int stride, int pad, int group, int h, int w, string? activation) =>
        Check(seed, batch, c, m, k, stride, pad, group, h, w, activation);

    [Fact]
    public void ResidualOnTheLeftOfTheAddFuses() => Check(12, 1, 4, 6, 1, 1, 0, 1, 5, 7, "Relu", residualFirst: true);

    [Fact]
    public void BroadcastResidualRunsCorrectly() => Check(13, 2, 4, 6, 3, 1, 1, 1, 5, 7, "Relu", broadcastZ: true);

    [Fact]
    public void RandomShapesMatchReference()
    {
        var rng = new Random(99);
        for (int i = 0; i < 12; i++)
        {
            int k = rng.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
            int stride = k == 1 ? 1 : rng.Next(1, 3), pad = k == 1 ? 0 : rng.Next(0, k / 2 + 1);
            int c = rng.Next(1, 20), m = rng.Next(1, 20), h = rng.Next(k, 20), w = rng.Next(k, 20);
            Check(100 + i, rng.Next(1, 3), c, m, k, stride, pad, 1, h, w, rng.Next(2) == 0 ? "Relu" : null);
        }
    }

    [Fact]
    public void ConstantAddendIsNotAResidual()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, [1, 2, 4, 4]));
        g.Initializers["w"] = Tensor.FromArray(new float[8], 4, 2, 1, 1);
        g.Initializers["k"] = Tensor.FromArray(new float[64], 1, 4, 4, 4);
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["c"], "conv"));
        g.Nodes.Add(new Node("Add", ["c", "k"], ["y"], "add"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 17;
        Assert.Equal(0, new FuseConvAdd().Run(model));
    }

    [Fact]
    public void ConvReadByAnotherNodeIsNotFused()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, [1, 2, 4, 4]));
        g.Initializers["w"] = Tensor.FromArray(new float[4], 2, 2, 1, 1);
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["c"], "conv"));
        g.Nodes.Add(new Node("Add", ["c", "x"], ["y"], "add"));
        g.Nodes.Add(new Node("Relu", ["c"], ["y2"], "other"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        g.Outputs.Add(new ValueInfo("y2", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 17;
        Assert.Equal(0, new FuseConvAdd().Run(model));
    }

    [Fact]
    public void ResidualThatCannotBroadcastIsAOneLineShapeError()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, [1, 2, 4, 4]));
        g.Inputs.Add(ValueInfo.Of("z", DataType.Float32, [1, 2, 5, 4]));
        g.Initializers["w"] = Tensor.FromArray(new float[4], 2, 2, 1, 1);
        var node = new Node("FusedConv", ["x", "w", "", "z"], ["y"], "fused", Bramble.Ops.OpRegistry.BrambleDomain);
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 17;
        model.Opsets[Bramble.Ops.OpRegistry.BrambleDomain] = 1;
        var e = Assert.ThrowsAny<BrambleException>(() =>
        {
            using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
            using var x = Tensor.Allocate(DataType.Float32, [1, 2, 4, 4]);
            using var z = Tensor.Allocate(DataType.Float32, [1, 2, 5, 4]);
            foreach (var t in session.Run(new Dictionary<string, Tensor> { ["x"] = x, ["z"] = z }).Values) t.Dispose();
        });
        Assert.Contains("fused", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
