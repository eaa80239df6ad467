using System.Diagnostics;
using Bramble.Graph;
using Bramble.Passes.Sparse;
using Bramble.Runtime;
using Bramble.Tensors;
using Xunit.Abstractions;

namespace Bramble.Tests.Kernels.Sparse;

public class SparseConvTests
{
    private static Tensor Weights(Random rng, double sparsity, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        // Exactly round(sparsity · n) zeros at random places, so the pass threshold is met deterministically.
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1) + (rng.Next(2) == 0 ? 0.01f : -0.01f);
        var order = Enumerable.Range(0, s.Length).OrderBy(_ => rng.Next()).ToArray();
        for (int i = 0; i < (int)Math.Round(sparsity * s.Length); i++) s[order[i]] = 0f;
        return t;
    }

    private static Model OneConv(Random rng, int cin, int cout, int hw, double sparsity, int kernel = 1, int stride = 1, bool bias = true)
    {
        var g = new Bramble.Graph.Graph();
        int ho = (hw - kernel) / stride + 1;
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, cin, hw, hw));
        g.Initializers["w"] = Weights(rng, sparsity, cout, cin, kernel, kernel);
        if (bias) g.Initializers["b"] = Weights(rng, 0, cout);
        var conv = new Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"], "conv");
        conv.With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { kernel, kernel }));
        conv.With(Bramble.Graph.Attribute.Of("strides", new long[] { stride, stride }));
        g.Nodes.Add(conv);
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, cout, ho, ho));
        return new Model(g);
    }

    private static float[] Run(Model model, Tensor x, SessionOptions options, out string opType)
    {
        using var session = new InferenceSession(model, options);
        opType = session.Model.Graph.Nodes.Single().OpType;
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        var y = outputs["y"].AsReadOnlySpan<float>().ToArray();
        foreach (var t in outputs.Values) t.Dispose();
        return y;
    }

    [Theory]
    [InlineData(16, 24, 7, 0.9, true)]
    [InlineData(33, 17, 5, 0.75, false)]
    [InlineData(64, 64, 12, 0.95, true)]
    public void SessionUsesSparseConvAndMatchesDense(int cin, int cout, int hw, double sparsity, bool bias)
    {
        var rng = new Random(cin * cout);
        using var model = OneConv(rng, cin, cout, hw, sparsity, bias: bias);
        using var x = Weights(rng, 0, 1, cin, hw, hw);
        var dense = Run(model, x, new SessionOptions { Optimization = OptimizationLevel.None, Threads = 1 }, out var denseOp);
        var sparse = Run(model, x, new SessionOptions { Threads = 2 }, out var sparseOp);
        Assert.Equal("Conv", denseOp);
        Assert.Equal("SparseConv", sparseOp);
        // The caller's model is untouched: the rewrite lives in the session's private graph only.
        Assert.Equal("Conv", model.Graph.Nodes.Single().OpType);
        for (int i = 0; i < dense.Length; i++)
            Assert.True(MathF.Abs(dense[i] - sparse[i]) <= 1e-4f * (1 + MathF.Abs(dense[i])), $"element {i}: {dense[i]} vs {sparse[i]}");
        var reference = Run(model, x, new SessionOptions { ReferenceKernels = true, Threads = 1 }, out _);
        for (int i = 0; i < dense.Length; i++)
            Assert.True(MathF.Abs(dense[i] - reference[i]) <= 1e-4f * (1 + MathF.Abs(dense[i])));
    }

    [Theory]
    [InlineData(1, 1, 0.5)]   // not sparse enough
    [InlineData(3, 1, 0.9)]   // not 1×1
    [InlineData(1, 2, 0.9)]   // strided
    public void PassLeavesOtherConvsAlone(int kernel, int stride, double sparsity)
    {
        using var model = OneConv(new Random(3), 8, 8, 6, sparsity, kernel, stride);
        Assert.Equal(0, new UseSparseKernels().Run(model));
        Assert.Equal("Conv", model.Graph.Nodes.Single().OpType);
    }

}
