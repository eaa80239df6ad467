using Bramble.Graph;
using Bramble.Ops;
using Bramble.Passes.Quantization;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Passes.Quantization;

/// <summary>fold-qdq-gemm: which QDQ Gemm / MatMul layers become ai.bramble QGemm, and that the folded model computes the same.</summary>
public class FoldQdqGemmTests
{
    private const int K = 70, N = 13;

    /// <summary>Options of the test layer: DQ(x) → Gemm/MatMul(·, DQ(W)) [→ Add] → [Relu|Clip] → Q, and the variations that must not fold.</summary>
    private sealed record Layer
    {
        public bool MatMul { get; init; }
        public bool TransB { get; init; } = true;
        public bool TransA { get; init; }
        public float Alpha { get; init; } = 1;
        public bool PerColumn { get; init; } = true;
        public bool SignedX { get; init; }
        public bool UInt8Weights { get; init; }
        public bool Int32Bias { get; init; }
        public bool Bias { get; init; } = true;
        public string? Activation { get; init; } = "Relu";
        public bool WeightsAsInput { get; init; }
        public bool ExtraReader { get; init; }
        public int[] XShape { get; init; } = [3, K];
    }

    private static Model Build(Layer l, Random rng)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, l.XShape));
        g.Initializers["xs"] = Tensor.Scalar(0.03f);
        g.Initializers["xz"] = l.SignedX ? Tensor.Scalar((sbyte)-4) : Tensor.Scalar((byte)120);
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], "qx"));
        g.Nodes.Add(new Node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], "dqx"));

        // W as stored: [N, K] when transB, else [K, N]; per-column scales along the N axis.
        int[] wShape = l.TransB ? [N, K] : [K, N];
        int axis = l.TransB ? 0 : 1;
        var scales = new float[l.PerColumn ? N : 1];
        for (int i = 0; i < scales.Length; i++) scales[i] = 0.004f + 0.002f * (float)rng.NextDouble();
        Tensor wq, wz;
        if (l.UInt8Weights)
        {
            var w = new byte[N * K];
            for (int i = 0; i < w.Length; i++) w[i] = (byte)rng.Next(256);
            wq = Tensor.FromArray(w, wShape);
            wz = l.PerColumn ? Tensor.FromArray(Enumerable.Range(0, N).Select(i => (byte)(125 + i % 7)).ToArray(), N) : Tensor.Scalar((byte)128);
        }
        else
        {
            var w = new sbyte[N * K];
            for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-64, 65);
            wq = Tensor.FromArray(w, wShape);
            wz = l.PerColumn ? Tensor.FromArray(new sbyte[N], N) : Tensor.Scalar((sbyte)0);
        }
        if (l.WeightsAsInput) g.Inputs.Add(ValueInfo.Of("wq", wq.Type, wShape));
        else g.Initializers["wq"] = wq;
        g.Initializers["ws"] = l.PerColumn ? Tensor.FromArray(scales, N) : Tensor.Scalar(scales[0]);
        g.Initializers["wz"] = wz;
        g.Nodes.Add(new Node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], "dqw").With(Bramble.Graph.Attribute.Of("axis", (long)axis)));

        var bias = new float[N];
        for (int i = 0; i < N; i++) bias[i] = (float)(rng.NextDouble() - 0.5);
        string biasName = "b";
        if (l.Int32Bias)
        {
            var bs = new float[N];
            var bq = new int[N];
            for (int i = 0; i < N; i++) { bs[i] = 0.03f * scales[l.PerColumn ? i : 0]; bq[i] = (int)MathF.Round(bias[i] / bs[i]); }
            g.Initializers["bq"] = Tensor.FromArray(bq, N);
            g.Initializers["bs"] = Tensor.FromArray(bs, N);
            g.Nodes.Add(new Node("DequantizeLinear", ["bq", "bs"], ["bd"], "dqb").With(Bramble.Graph.Attribute.Of("axis", 0L)));
            biasName = "bd";
        }
        else g.Initializers["b"] = Tensor.FromArray(bias, N);

        string y;
        if (l.MatMul)
        {
            g.Nodes.Add(new Node("MatMul", ["xd", "wd"], ["mm"], "fc"));
            y = "mm";
            if (l.Bias)
            {
                g.Nodes.Add(new Node("Add", [biasName, "mm"], ["added"], "fc_bias"));
                y = "added";
            }
        }
        else
        {
            var gemm = new Node("Gemm", l.Bias ? ["xd", "wd", biasName] : ["xd", "wd"], ["gemm"], "fc")
                .With(Bramble.Graph.Attribute.Of("transB", l.TransB ? 1L : 0L));
            if (l.TransA) gemm = gemm.With(Bramble.Graph.Attribute.Of("transA", 1L));
            if (l.Alpha != 1) gemm = gemm.With(Bramble.Graph.Attribute.Of("alpha", l.Alpha));
            g.Nodes.Add(gemm);
            y = "gemm";
        }
        if (l.ExtraReader) g.Outputs.Add(new ValueInfo(y, DataType.Undefined, null));
        if (l.Activation == "Relu")
        {
            g.Nodes.Add(new Node("Relu", [y], ["act"], "relu"));
            y = "act";
        }
        else if (l.Activation == "Clip")
        {
            g.Initializers["lo"] = Tensor.Scalar(-0.5f);
            g.Initializers["hi"] = Tensor.Scalar(1.5f);
            g.Nodes.Add(new Node("Clip", [y, "lo", "hi"], ["act"], "clip"));
            y = "act";
        }
        g.Initializers["ys"] = Tensor.Scalar(0.06f);
        g.Initializers["yz"] = Tensor.Scalar((byte)100);
        g.Nodes.Add(new Node("QuantizeLinear", [y, "ys", "yz"], ["y"], "qy"));
        g.Outputs.Insert(0, new ValueInfo("y", DataType.Undefined, null));
        return new Model(g);
    }

    private static Tensor RandomInput(Random rng, int[] shape)
    {
        var x = Tensor.Allocate(DataType.Float32, shape);
        var s = x.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 6 - 3);
        return x;
    }

    private static byte[] Run(Model model, Tensor x, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        using var y = session.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        return y.AsSpan<byte>().ToArray();
    }

    public static TheoryData<string> Foldable() => new() { "gemm", "gemm-nobias", "gemm-k-n", "gemm-int32-bias", "gemm-uint8", "matmul", "matmul-clip", "matmul-nobias-3d", "signed-x" };

    private static Layer Named(string name) => name switch
    {
        "gemm" => new Layer(),
        "gemm-nobias" => new Layer { Bias = false, Activation = null },
        "gemm-k-n" => new Layer { TransB = false, PerColumn = false },
        "gemm-int32-bias" => new Layer { Int32Bias = true, Activation = "Clip" },
        "gemm-uint8" => new Layer { UInt8Weights = true, XShape = [1, K] },
        "matmul" => new Layer { MatMul = true, TransB = false },
        "matmul-clip" => new Layer { MatMul = true, TransB = false, Int32Bias = true, Activation = "Clip", XShape = [K] },
        "matmul-nobias-3d" => new Layer { MatMul = true, TransB = false, Bias = false, XShape = [2, 5, K] },
        "signed-x" => new Layer { SignedX = true, PerColumn = false, XShape = [1, K] },
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// The layer folds into one QGemm whose output equals the unfolded QDQ graph's (float GEMM, then Q) within one
    /// quantization step, and whose fast kernel equals its reference path exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Foldable))]
    public void FoldsAndMatchesTheQdqGraph(string name)
    {
        for (int seed = 0; seed < 12; seed++) FoldsAndMatches(name, seed);
    }

    private static void FoldsAndMatches(string name, int seed)
    {
        var rng = new Random(seed * 31 + name.Length);
        var layer = Named(name);
        using var model = Build(layer, rng);
        using (var folded = model.CloneStructure())
        {
            Assert.Equal(1, new FoldQdqGemm().Run(folded));
            var q = Assert.Single(folded.Graph.Nodes, n => n.OpType == "QGemm");
            Assert.Equal(OpRegistry.BrambleDomain, q.Domain);
            Assert.Equal("fc", q.Name);
            Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType is "Gemm" or "MatMul" or "Add" or "Relu" or "Clip");
            Assert.Equal(layer.Activation != null, q.HasAttribute("fused_min"));
        }
        using var x = RandomInput(rng, layer.XShape);
        var unfolded = Run(model, x, new SessionOptions { Optimization = OptimizationLevel.None });
        var reference = Run(model, x, new SessionOptions { ReferenceKernels = true });
        var fast = Run(model, x, new SessionOptions());
        Assert.Equal(unfolded.Length, fast.Length);
        Assert.True(reference.AsSpan().SequenceEqual(fast), $"seed {seed}: fast kernel differs from the reference");
        int differ = 0;
        for (int i = 0; i < unfolded.Length; i++)
        {
            Assert.True(Math.Abs(unfolded[i] - fast[i]) <= 1, $"seed {seed} element {i}: QDQ {unfolded[i]} folded {fast[i]}");
            differ += unfolded[i] != fast[i] ? 1 : 0;
        }
        // Float rounding may flip a few halfway cases, never many; and the outputs must not be one clamped value.
        Assert.True(differ <= unfolded.Length / 10, $"seed {seed}: {differ} of {unfolded.Length} differ");
        Assert.True(fast.Distinct().Count() > 2, $"seed {seed}: degenerate outputs");
    }

    public static TheoryData<string> NotFoldable() => new() { "alpha", "transA", "weights-input", "extra-reader", "matmul-extra-reader" };

    /// <summary>Layers the integer op cannot express stay exactly as they were.</summary>
    [Theory]
    [MemberData(nameof(NotFoldable))]
    public void LeavesOtherLayersAlone(string name)
    {
        var layer = name switch
        {
            "alpha" => new Layer { Alpha = 0.5f },
            "transA" => new Layer { TransA = true, XShape = [K, 3] },
            "weights-input" => new Layer(),
            "extra-reader" => new Layer { ExtraReader = true },
            "matmul-extra-reader" => new Layer { MatMul = true, TransB = false, ExtraReader = true },
            _ => throw new ArgumentException(name),
        } with { WeightsAsInput = name == "weights-input" };
        using var model = Build(layer, new Random(1));
        var before = model.Graph.Nodes.Select(n => n.OpType).ToList();
        Assert.Equal(0, new FoldQdqGemm().Run(model));
        Assert.Equal(before, model.Graph.Nodes.Select(n => n.OpType).ToList());
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "QGemm");
    }

    /// <summary>QLinearMatMul with a constant B runs the packed kernel and equals its reference path.</summary>
    [Fact]
    public void QLinearMatMulWithConstantBUsesTheFastKernel()
    {
        var rng = new Random(4);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("a", DataType.UInt8, [2, 3, K]));
        var b = new sbyte[K * N];
        for (int i = 0; i < b.Length; i++) b[i] = (sbyte)rng.Next(-128, 128);
        var bs = new float[N];
        for (int i = 0; i < N; i++) bs[i] = 0.002f + 0.001f * i;
        g.Initializers["as"] = Tensor.Scalar(0.03f);
        g.Initializers["az"] = Tensor.Scalar((byte)128);
        g.Initializers["b"] = Tensor.FromArray(b, K, N);
        g.Initializers["bs"] = Tensor.FromArray(bs, N);
        g.Initializers["bz"] = Tensor.FromArray(new sbyte[N], N);
        g.Initializers["ys"] = Tensor.Scalar(0.05f);
        g.Initializers["yz"] = Tensor.Scalar((sbyte)3);
        g.Nodes.Add(new Node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"], "qmm"));
        g.Outputs.Add(new ValueInfo("y", DataType.Undefined, null));
        using var model = new Model(g);
        using var a = Tensor.Allocate(DataType.UInt8, [2, 3, K]);
        rng.NextBytes(a.AsSpan<byte>());
        var reference = Run2(model, a, new SessionOptions { ReferenceKernels = true }, out _);
        var fast = Run2(model, a, new SessionOptions(), out string kernel);
        Assert.StartsWith("int8 gemv", kernel);
        Assert.Equal(reference, fast);
        Assert.True(fast.Distinct().Count() > 3, "degenerate outputs");
    }

    private static byte[] Run2(Model model, Tensor a, SessionOptions options, out string kernel)
    {
        using var session = new InferenceSession(model, options);
        var inputs = new Dictionary<string, Tensor> { ["a"] = a };
        kernel = session.Profile(inputs, iterations: 1, warmup: 0).Nodes[0].Kernel;
        using var y = session.Run(inputs)["y"];
        return y.AsSpan<byte>().ToArray();
    }
}
