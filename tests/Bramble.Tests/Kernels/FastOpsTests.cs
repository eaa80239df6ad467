using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels;

/// <summary>The ops' fast paths (packed weights, fast kernels) against their reference kernels, through a session.</summary>
public class FastOpsTests
{
    private static Tensor RandomTensor(Random rng, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>One-node model: input "x" plus constant initializers; returns reference and fast outputs.</summary>
    private static (float[] Reference, float[] Fast, string Kernel) RunBoth(Node node, Tensor x, Dictionary<string, Tensor> constants, Isa isa, int threads)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, x.Shape));
        foreach (var (name, t) in constants) g.Initializers[name] = t;
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        float[] Run(bool reference)
        {
            using var session = new InferenceSession(model, new SessionOptions { Threads = threads, ReferenceKernels = reference, MaxIsa = isa });
            var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
            using var y = outputs["y"];
            return y.ToArray<float>();
        }
        return (Run(true), Run(false), "");
    }

    private static void AssertClose(float[] expected, float[] actual, int depth, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float tol = 3e-6f * (depth + 8);
        for (int i = 0; i < expected.Length; i++)
            if (!(MathF.Abs(expected[i] - actual[i]) <= tol * MathF.Max(1, MathF.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} reference {expected[i]} fast {actual[i]}");
    }

    public static TheoryData<Isa> Caps()
    {
        var data = new TheoryData<Isa>();
        foreach (var isa in Enum.GetValues<Isa>()) if (isa <= CpuFeatures.Best) data.Add(isa);
        return data;
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void ConvFastMatchesReference(Isa isa)
    {
        var rng = new Random(11 + (int)isa);
        for (int i = 0; i < 12; i++)
        {
            int group = i % 4 == 3 ? 3 : 1;
            bool depthwise = i % 4 == 2;
            int c = depthwise ? rng.Next(1, 9) : group * rng.Next(1, 5);
            int m = depthwise ? c : group * rng.Next(1, 6);
            if (depthwise) group = c;
            int k = rng.Next(1, 4), h = rng.Next(k, 15), w = rng.Next(k, 20), s = rng.Next(1, 3), p = rng.Next(0, k);
            var node = new Node("Conv", ["x", "w", "b"], ["y"], "conv")
                .With(Bramble.Graph.Attribute.Of("group", (long)group))
                .With(Bramble.Graph.Attribute.Of("strides", new long[] { s, s }))
                .With(Bramble.Graph.Attribute.Of("pads", new long[] { p, p, p, p }));
            using var x = RandomTensor(rng, 1 + i % 2, c, h, w);
            var constants = new Dictionary<string, Tensor> { ["w"] = RandomTensor(rng, m, c / group, k, k), ["b"] = RandomTensor(rng, m) };
            var (reference, fast, _) = RunBoth(node, x, constants, isa, 1 + i % 2);
            AssertClose(reference, fast, c / group * k * k, $"Conv c={c} m={m} g={group} k={k} {h}x{w} s={s} p={p}");
            foreach (var t in constants.Values) t.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void GemmAndMatMulFastMatchReference(Isa isa)
    {
        var rng = new Random(21 + (int)isa);
        for (int i = 0; i < 10; i++)
        {
            int m = rng.Next(1, 30), n = rng.Next(1, 40), k = rng.Next(1, 50);
            bool ta = i % 2 == 1, tb = i % 3 == 1;
            var cShape = (i % 4) switch { 0 => new[] { n }, 1 => new[] { m, 1 }, 2 => new[] { m, n }, _ => new[] { 1 } };
            var gemm = new Node("Gemm", ["x", "b", "c"], ["y"], "gemm")
                .With(Bramble.Graph.Attribute.Of("transA", ta ? 1L : 0L))
                .With(Bramble.Graph.Attribute.Of("transB", tb ? 1L : 0L))
                .With(Bramble.Graph.Attribute.Of("alpha", i % 3 == 0 ? 1f : 0.7f))
                .With(Bramble.Graph.Attribute.Of("beta", i % 5 == 0 ? 1f : -0.5f));
            using var a = RandomTensor(rng, ta ? k : m, ta ? m : k);
            var constants = new Dictionary<string, Tensor> { ["b"] = RandomTensor(rng, tb ? n : k, tb ? k : n), ["c"] = RandomTensor(rng, cShape) };
            var (reference, fast, _) = RunBoth(gemm, a, constants, isa, 1 + i % 2);
            AssertClose(reference, fast, k, $"Gemm m={m} n={n} k={k} ta={ta} tb={tb} c=[{string.Join(",", cShape)}]");
            foreach (var t in constants.Values) t.Dispose();

            int batch = rng.Next(1, 4);
            var matmul = new Node("MatMul", ["x", "w"], ["y"], "mm");
            using var xa = RandomTensor(rng, batch, m, k);
            var w = new Dictionary<string, Tensor> { ["w"] = i % 2 == 0 ? RandomTensor(rng, k, n) : RandomTensor(rng, batch, k, n) };
            var (r2, f2, _) = RunBoth(matmul, xa, w, isa, 1 + i % 2);
            AssertClose(r2, f2, k, $"MatMul batch={batch} m={m} n={n} k={k}");
            foreach (var t in w.Values) t.Dispose();
        }
    }

    [Fact]
    public void PrepareChoosesTheFastKernelUnlessReferenceIsAsked()
    {
        using var w = Tensor.Allocate(DataType.Float32, 4, 3, 3, 3);
        var node = new Node("Conv", ["x", "w"], ["y"], "conv");
        foreach (bool reference in new[] { false, true })
        {
            var op = Bramble.Ops.OpRegistry.Create(node, 17);
            var infer = new Bramble.Ops.InferContext(node, 17, [DataType.Float32, DataType.Float32], [[1, 3, 8, 8], [4, 3, 3, 3]], [null, w]);
            op.InferOutputs(infer);
            op.Prepare(new Bramble.Ops.PrepareContext(infer, new SessionOptions { ReferenceKernels = reference }));
            if (reference) Assert.Equal("reference", op.KernelName);
            // Three input channels: the first-layer kernel wherever SIMD runs.
            else Assert.StartsWith(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "conv few-channels" : "conv implicit-gemm", op.KernelName);
        }
    }
}
