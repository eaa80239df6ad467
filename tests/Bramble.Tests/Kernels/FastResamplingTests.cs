using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Kernels;

/// <summary>The ConvTranspose (GEMM + col2im) and Resize (plane-wise) fast paths against their reference kernels.</summary>
public class FastResamplingTests
{
    private static Tensor RandomTensor(Random rng, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    private static float[] Run(Node node, Tensor x, Func<Dictionary<string, Tensor>> constants, bool reference, int threads, int opset = 13)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, x.Shape));
        foreach (var (name, t) in constants()) g.Initializers[name] = t;
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = opset;
        using var session = new InferenceSession(model, new SessionOptions { Threads = threads, ReferenceKernels = reference });
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = outputs["y"];
        return y.ToArray<float>();
    }

    private static void AssertClose(float[] expected, float[] actual, float tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(MathF.Abs(expected[i] - actual[i]) <= tol * MathF.Max(1, MathF.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} reference {expected[i]} fast {actual[i]}");
    }

    [Fact]
    public void ConvTransposeMatchesReference()
    {
        var rng = new Random(4);
        for (int i = 0; i < 16; i++)
        {
            int group = i % 4 == 3 ? 2 : 1;
            int c = group * rng.Next(1, 5), mg = rng.Next(1, 5), k = rng.Next(1, 5), s = rng.Next(1, 4), d = i % 5 == 4 ? 2 : 1;
            int pad = rng.Next(0, k), outPad = s > 1 ? rng.Next(0, s) : 0;
            int h = rng.Next(1, 9), w = rng.Next(1, 11);
            var node = new Node("ConvTranspose", ["x", "w", i % 3 == 0 ? "" : "b"], ["y"], "deconv")
                .With(Attr.Of("group", (long)group)).With(Attr.Of("strides", new long[] { s, s })).With(Attr.Of("dilations", new long[] { d, d }))
                .With(Attr.Of("pads", new long[] { pad, 0, pad, pad })).With(Attr.Of("output_padding", new long[] { outPad, 0 }));
            using var x = RandomTensor(rng, 1 + i % 2, c, h, w);
            var seed = rng.Next();
            Dictionary<string, Tensor> Constants()
            {
                var r = new Random(seed);
                return new() { ["w"] = RandomTensor(r, c, mg, k, k), ["b"] = RandomTensor(r, group * mg) };
            }
            var expected = Run(node, x, Constants, true, 1);
            AssertClose(expected, Run(node, x, Constants, false, 1 + i % 2), 1e-5f * (c * k * k + 8), $"ConvTranspose c={c} m={group * mg} g={group} k={k} s={s} d={d} p={pad} op={outPad} {h}x{w}");
        }
    }

    [Theory]
    [InlineData("nearest", "asymmetric", "floor", 2f, 2f)]
    [InlineData("nearest", "half_pixel", "round_prefer_floor", 1.7f, 0.6f)]
    [InlineData("linear", "half_pixel", "round_prefer_floor", 2f, 3f)]
    [InlineData("linear", "align_corners", "round_prefer_floor", 0.5f, 1.5f)]
    [InlineData("cubic", "pytorch_half_pixel", "round_prefer_floor", 1.3f, 2f)]
    public void ResizeMatchesReference(string mode, string coordinates, string nearestMode, float sh, float sw)
    {
        var rng = new Random(8);
        using var x = RandomTensor(rng, 2, 3, 7, 9);
        var node = new Node("Resize", ["x", "", "scales"], ["y"], "resize")
            .With(Attr.Of("mode", mode)).With(Attr.Of("coordinate_transformation_mode", coordinates)).With(Attr.Of("nearest_mode", nearestMode));
        Dictionary<string, Tensor> Constants() => new() { ["scales"] = Tensor.FromArray(new[] { 1f, 1f, sh, sw }, 4) };
        var expected = Run(node, x, Constants, true, 1);
        AssertClose(expected, Run(node, x, Constants, false, 2), 1e-6f, $"Resize {mode} {coordinates} {sh}x{sw}");
        AssertClose(expected, Run(node, x, Constants, false, 1), 1e-6f, $"Resize {mode} {coordinates} {sh}x{sw} (1 thread)");
    }
}
