using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Kernels;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Xunit;

namespace Bramble.Tests.Binary;

/// <summary>The load-time pass: float-equivalent ONNX binary layers become packed ai.bramble ops with the same results.</summary>
public class BinarizeLayersTests
{
    private static float[] Run(Model model, OptimizationLevel level, Tensor x, Isa isa = Isa.Vector512, bool reference = false)
    {
        using var session = new InferenceSession(model, new SessionOptions { Optimization = level, MaxIsa = isa, ReferenceKernels = reference, Threads = 2 });
        var outputs = session.Run(new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = x });
        using var y = outputs.Values.Single();
        return y.ToArray<float>();
    }

    private static int CountOps(Model model, string op)
    {
        using var session = new InferenceSession(model);
        return session.Model.Graph.Nodes.Count(n => n.OpType == op && n.Domain == OpRegistry.BrambleDomain);
    }

    /// <summary>A VGG-like binary stack: real first conv, binary 3×3 convs (64 and 96 channels), binary Gemm, real last Gemm.</summary>
    internal static Model Network(int seed, bool withBatchNorm)
    {
        var b = new BinaryModels(seed, "x", [2, 3, 12, 12]);
        string y = b.Op("Conv", ["x", b.Const(b.Random(70 * 27, -0.5f, 0.5f), 70, 3, 3, 3)], ("pads", new long[] { 1, 1, 1, 1 }));
        if (withBatchNorm) y = b.BatchNorm(y, 70, negativeGammas: true);
        string xb = withBatchNorm ? b.Op("Sign", [y]) : b.SignActivation(y, 70, 4);
        y = b.BinaryConv(xb, 70, 96, 3, pad: 1);
        if (withBatchNorm) y = b.BatchNorm(y, 96, negativeGammas: false);
        y = b.Op("MaxPool", [y], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        y = b.BinaryConv(b.SignActivation(y, 96, 4), 96, 65, 3, pad: 1, stride: 2);
        y = b.Op("Relu", [y]);
        y = b.Op("Flatten", [y]);
        int k = 65 * 3 * 3;
        string h = b.Op("Gemm", [b.SignActivation(y, k, 2), b.Op("Sign", [b.Const(b.Random(40 * k, -1f, 1f, nonZero: true), 40, k)])], ("transB", 1L));
        h = b.Op("Mul", [h, b.Const(b.Random(40, 0.01f, 0.1f), 40)]);
        h = b.Op("Add", [h, b.Const(b.Random(40, -1f, 1f), 1, 40)]);
        string logits = b.Op("Gemm", [h, b.Const(b.Random(40 * 10, -0.3f, 0.3f), 40, 10)]);
        return b.Build(logits, [2, 10]);
    }

    [Fact]
    public void RewritesConvsAndGemmIntoPackedOps()
    {
        using var model = Network(1, withBatchNorm: false);
        Assert.Equal(2, CountOps(model, "BinaryConv"));
        Assert.Equal(1, CountOps(model, "BinaryGemm"));
        Assert.Equal(3, CountOps(model, "BinarizeActivation"));
        using var session = new InferenceSession(model);
        Assert.DoesNotContain(session.Model.Graph.Nodes, n => n.OpType == "Sign");
    }

    [Theory]
    [InlineData(Isa.Scalar)]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector512)]
    public void PackedNetworkMatchesTheFloatGraphExactly(Isa isa)
    {
        // Sub thresholds, Mul α, Add bias: every float step of the ±1 graph is exact or rounds the same way, so with the
        // same (reference) kernels for the real layers the packed network gives the float graph's bits.
        using var model = Network(2, withBatchNorm: false);
        using var x = TestPattern.Create(3, 2, 3, 12, 12);
        var expected = Run(model, OptimizationLevel.None, x, reference: true);
        Assert.Equal(expected, Run(model, OptimizationLevel.All, x, isa, reference: true));
        // Fast float kernels for the real layers round differently; a flipped sign would show as a large difference.
        var fast = Run(model, OptimizationLevel.All, x, isa);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - fast[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{i}: {expected[i]} vs {fast[i]}");
    }

    [Fact]
    public void FoldedBatchNormalizationsStayClose()
    {
        using var model = Network(4, withBatchNorm: true);
        Assert.Equal(2, CountOps(model, "BinaryConv"));
        using var x = TestPattern.Create(5, 2, 3, 12, 12);
        var expected = Run(model, OptimizationLevel.None, x, reference: true);
        var actual = Run(model, OptimizationLevel.All, x);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-3 * (1 + Math.Abs(expected[i])), $"{i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void OnnxRoundTripLoadsTheSameBinaryModel()
    {
        using var model = Network(6, withBatchNorm: true);
        string path = Path.Combine(Path.GetTempPath(), $"bramble-binary-{Environment.ProcessId}.onnx");
        try
        {
            OnnxWriter.Save(model, path);
            using var loaded = OnnxReader.Load(path);
            Assert.Equal(2, CountOps(loaded, "BinaryConv"));
            using var x = TestPattern.Create(7, 2, 3, 12, 12);
            Assert.Equal(Run(model, OptimizationLevel.All, x), Run(loaded, OptimizationLevel.All, x));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ZeroLatentWeightsKeepTheFloatGraph()
    {
        var b = new BinaryModels(8, "x", [1, 4, 5, 5]);
        var latent = b.Random(2 * 4 * 9, -1f, 1f, nonZero: true);
        latent[5] = 0f; // Sign(0) = 0 cannot be a bit: the layer must stay float to keep ONNX semantics
        string y = b.Op("Conv", [b.SignActivation("x", 4, 4), b.Op("Sign", [b.Const(latent, 2, 4, 3, 3)])]);
        using var model = b.Build(y, [1, 2, 3, 3]);
        Assert.Equal(0, CountOps(model, "BinaryConv"));
    }

    [Fact]
    public void PackedWeightsAre32TimesSmaller()
    {
        var b = new BinaryModels(9, "x", [1, 128, 6, 6]);
        string y = b.BinaryConv(b.SignActivation("x", 128, 4), 128, 64, 3, pad: 1);
        using var model = b.Build(y, [1, 64, 6, 6]);
        long floatBytes = model.Graph.Initializers.Values.Where(t => t.Rank == 4 && t.Shape[0] == 64).Sum(t => t.ByteLength);
        using var session = new InferenceSession(model);
        long packedBytes = session.Model.Graph.Initializers.Values.Where(t => t.Type == DataType.UInt64).Sum(t => t.ByteLength);
        Assert.Equal(floatBytes / 32, packedBytes);
    }
}
