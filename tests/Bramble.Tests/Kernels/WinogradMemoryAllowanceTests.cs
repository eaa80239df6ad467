using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels;

/// <summary>SessionOptions.WinogradMaxWeightBytes: a layer whose transformed weights exceed it keeps the implicit GEMM.</summary>
public class WinogradMemoryAllowanceTests
{
    private static Model Conv3x3(int channels, int side)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, channels, side, side));
        var random = new Random(5);
        var w = new float[channels * channels * 9];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5);
        g.Initializers["w"] = Tensor.FromArray(w, channels, channels, 3, 3);
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["y"], "conv") { Attributes = { ["pads"] = Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 }) } });
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, channels, side, side));
        return new Model(g);
    }

    private static (string Kernel, float[] Output) Run(long allowance)
    {
        using var model = Conv3x3(64, 24); // transformed weights: 36·64·64·4 B = 576 KiB
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1, WinogradMaxWeightBytes = allowance });
        using var x = Tensor.FromArray(Enumerable.Range(0, 64 * 24 * 24).Select(i => MathF.Sin(i * 0.37f)).ToArray(), 1, 64, 24, 24);
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        var report = session.Profile(inputs, iterations: 1, warmup: 0);
        var outputs = session.Run(inputs);
        using var y = outputs["y"];
        return (report.Nodes.Single().Kernel, y.ToArray<float>());
    }

    [Fact]
    public void OverTheAllowanceTheLayerKeepsTheImplicitGemmWithTheSameResult()
    {
        var (fast, a) = Run(16L << 20);
        var (lean, b) = Run(500 * 1024);
        var (off, c) = Run(0);
        Assert.Contains("winograd", fast);
        Assert.DoesNotContain("winograd", lean);
        Assert.Equal(lean, off);
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(a[i] - b[i]) <= 1e-3f * (1 + MathF.Abs(b[i])), $"output {i}: {a[i]} vs {b[i]}");
        Assert.Equal(b, c);
    }
}
