using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels;

/// <summary>SessionOptions.WinogradMaxWeightBytes: a layer whose transformed weights exceed it streams them (or, without streaming, keeps the implicit GEMM).</summary>
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

    private static (string Kernel, float[] Output) Run(long allowance, bool streaming = true)
    {
        using var model = Conv3x3(64, 24); // transformed weights: 36·64·64·4 B = 576 KiB
        using var session = new InferenceSession(model, new SessionOptions { Threads = 2, WinogradMaxWeightBytes = allowance, WinogradStreaming = streaming });
        using var x = Tensor.FromArray(Enumerable.Range(0, 64 * 24 * 24).Select(i => MathF.Sin(i * 0.37f)).ToArray(), 1, 64, 24, 24);
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        var report = session.Profile(inputs, iterations: 1, warmup: 0);
        var outputs = session.Run(inputs);
        using var y = outputs["y"];
        return (report.Nodes.Single().Kernel, y.ToArray<float>());
    }

    [Fact]
    public void OverTheAllowanceTheLayerStreamsOrKeepsTheImplicitGemmWithTheSameResult()
    {
        var (held, a) = Run(16L << 20);
        var (streamed, b) = Run(500 * 1024);
        var (lean, c) = Run(500 * 1024, streaming: false);
        var (off, d) = Run(0);
        Assert.Contains("winograd", held);
        Assert.DoesNotContain("streamed", held);
        Assert.Contains("winograd f4 streamed", streamed);
        Assert.DoesNotContain("winograd", lean);
        Assert.Equal(lean, off);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(MathF.Abs(a[i] - c[i]) <= 1e-3f * (1 + MathF.Abs(c[i])), $"output {i}: held {a[i]} vs gemm {c[i]}");
            Assert.True(MathF.Abs(b[i] - c[i]) <= 1e-3f * (1 + MathF.Abs(c[i])), $"output {i}: streamed {b[i]} vs gemm {c[i]}");
        }
        Assert.Equal(c, d);
    }
}
