using Bramble.Graph;
using Bramble.Passes.Fusion;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Passes;

/// <summary>
/// Fusion passes: each pattern is rewritten (node types change as expected) and the fused graph gives
/// the outputs of the unfused graph run with reference kernels.
/// </summary>
public class FusionTests
{
    /// <summary>Builds x → Conv(w, b) → "c" plus the nodes a test appends; scalars become Constant nodes or initializers.</summary>
    private sealed class Builder
    {
        private readonly Random _rng;
        public readonly Bramble.Graph.Graph G = new();
        private int _n;

        public Builder(int seed, int c = 3, int m = 4, int k = 3, int h = 7, int w = 9, int batch = 1)
        {
            _rng = new Random(seed);
            M = m;
            InputShape = [batch, c, h, w];
            G.Inputs.Add(ValueInfo.Of("x", DataType.Float32, InputShape));
            G.Initializers["w"] = Random(m, c, k, k);
            G.Initializers["b"] = Random(m);
            G.Nodes.Add(new Node("Conv", ["x", "w", "b"], ["c"], "conv").With(Attr.Of("pads", new long[] { 1, 1, 1, 1 })));
        }

        public int M { get; }
        public int[] InputShape { get; }

        public Tensor Random(params int[] shape)
        {
            var t = Tensor.Allocate(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++) s[i] = (float)(_rng.NextDouble() * 4 - 2);
            return t;
        }

        /// <summary>A scalar as a Constant node (paddle2onnx style) or, with <paramref name="initializer"/>, an initializer.</summary>
        public string Scalar(float v, bool initializer = false)
        {
            string name = $"k{_n++}";
            if (initializer) G.Initializers[name] = Tensor.FromArray(new[] { v }, 1);
            else G.Nodes.Add(new Node("Constant", [], [name], name).With(Attr.Of("value", Tensor.FromArray(new[] { v }))));
            return name;
        }

        public string Add(string op, string[] inputs, params Attr[] attrs)
        {
            string y = $"v{_n++}";
            var node = new Node(op, inputs, [y], y);
            foreach (var a in attrs) node.Attributes[a.Name] = a;
            G.Nodes.Add(node);
            return y;
        }

        public Model Build(params string[] outputs)
        {
            foreach (var o in outputs) G.Outputs.Add(new ValueInfo(o, DataType.Float32, null));
            var model = new Model(G);
            model.Opsets[""] = 17;
            return model;
        }
    }

    private static float[][] Run(Model model, Tensor x, bool reference, OptimizationLevel level, int threads = 1)
    {
        using var session = new InferenceSession(model, new SessionOptions { Threads = threads, ReferenceKernels = reference, Optimization = level });
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        var result = model.Graph.Outputs.Select(o => outputs[o.Name].ToArray<float>()).ToArray();
        foreach (var t in outputs.Values) t.Dispose();
        return result;
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, actual[o].Length);
            for (int i = 0; i < expected[o].Length; i++)
                if (!(MathF.Abs(expected[o][i] - actual[o][i]) <= 2e-4f * MathF.Max(1, MathF.Abs(expected[o][i]))))
                    Assert.Fail($"{what}: output {o} element {i}: unfused reference {expected[o][i]}, fused {actual[o][i]}");
        }
    }

    /// <summary>Runs the fusion passes on a copy and checks the op types left; then compares fused (fast and reference) with unfused reference.</summary>
    private static void Check(Builder b, Model model, string what, string expectedOp, int expectedNonConstantNodes, string? activation = null)
    {
        using (var copy = model.CloneStructure())
        {
            Bramble.Passes.PassPipeline.Run(copy, Bramble.Passes.PassPipeline.For(OptimizationLevel.All));
            var real = copy.Graph.Nodes.Where(n => n.OpType != "Constant").ToList();
            Assert.True(real.Count == expectedNonConstantNodes,
                $"{what}: expected {expectedNonConstantNodes} nodes, got {string.Join(", ", real.Select(n => n.OpType))}");
            Assert.Equal(expectedOp, real[0].OpType);
            if (activation != null) Assert.Equal(activation, real[0].GetString("activation", ""));
        }
        using var x = b.Random(b.InputShape);
        var expected = Run(model, x, reference: true, OptimizationLevel.None);
        AssertClose(expected, Run(model, x, reference: true, OptimizationLevel.All), what + " (fused, reference kernels)");
        AssertClose(expected, Run(model, x, reference: false, OptimizationLevel.All), what + " (fused, fast kernels)");
        AssertClose(expected, Run(model, x, reference: false, OptimizationLevel.All, threads: 2), what + " (fused, fast kernels, 2 threads)");
    }

    [Theory]
    [InlineData("Relu", "Relu")]
    [InlineData("LeakyRelu", "LeakyRelu")]
    [InlineData("Sigmoid", "Sigmoid")]
    [InlineData("HardSigmoid", "HardSigmoid")]
    [InlineData("HardSwish", "HardSwish")]
    public void SingleActivationOpFuses(string op, string activation)
    {
        var b = new Builder(1);
        var attrs = op == "LeakyRelu" ? new[] { Attr.Of("alpha", 0.3f) } : op == "HardSigmoid" ? new[] { Attr.Of("alpha", 0.25f), Attr.Of("beta", 0.4f) } : [];
        string y = b.Add(op, ["c"], attrs);
        using var model = b.Build(y);
        Check(b, model, op, "FusedConv", 1, activation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClipWithConstantBoundsFuses(bool initializers)
    {
        var b = new Builder(2);
        string y = b.Add("Clip", ["c", b.Scalar(0, initializers), b.Scalar(6, initializers)]);
        using var model = b.Build(y);
        Check(b, model, "Clip", "FusedConv", 1, "Clip");
    }

    [Fact]
    public void ClipWithOnlyMaxFuses()
    {
        var b = new Builder(3);
        string y = b.Add("Clip", ["c", "", b.Scalar(0.5f)]);
        using var model = b.Build(y);
        Check(b, model, "Clip(max)", "FusedConv", 1, "Clip");
    }

    [Fact]
    public void SiluDecompositionFuses()
    {
        var b = new Builder(4);
        string s = b.Add("Sigmoid", ["c"]);
        string y = b.Add("Mul", [s, "c"]);
        using var model = b.Build(y);
        Check(b, model, "x*Sigmoid(x)", "FusedConv", 1, "SiLU");
    }

    [Fact]
    public void MishDecompositionFuses()
    {
        var b = new Builder(5);
        string sp = b.Add("Softplus", ["c"]);
        string t = b.Add("Tanh", [sp]);
        string y = b.Add("Mul", ["c", t]);
        using var model = b.Build(y);
        Check(b, model, "x*Tanh(Softplus(x))", "FusedConv", 1, "Mish");
    }

    [Fact]
    public void PaddleHardSwishChainFuses()
    {
        var b = new Builder(6);
        string a = b.Add("Add", ["c", b.Scalar(3)]);
        string cl = b.Add("Clip", [a, b.Scalar(0), b.Scalar(6)]);
        string m = b.Add("Mul", ["c", cl]);
        string y = b.Add("Div", [m, b.Scalar(6)]);
        using var model = b.Build(y);
        Check(b, model, "x*Clip(x+3,0,6)/6", "FusedConv", 1, "HardSwish");
    }

    [Fact]
    public void HardSwishAsTimesScaledClipFuses()
    {
        var b = new Builder(7);
        string a = b.Add("Add", [b.Scalar(3, true), "c"]);
        string cl = b.Add("Clip", [a, b.Scalar(0), b.Scalar(6)]);
        string d = b.Add("Mul", [cl, b.Scalar(1f / 6)]);
        string y = b.Add("Mul", [d, "c"]);
        using var model = b.Build(y);
        Check(b, model, "x*(Clip(x+3,0,6)*(1/6))", "FusedConv", 1, "HardSwish");
    }

    [Fact]
    public void HardSwishAsTimesHardSigmoidFuses()
    {
        var b = new Builder(8);
        string h = b.Add("HardSigmoid", ["c"], Attr.Of("alpha", 1f / 6), Attr.Of("beta", 0.5f));
        string y = b.Add("Mul", ["c", h]);
        using var model = b.Build(y);
        Check(b, model, "x*HardSigmoid(x)", "FusedConv", 1, "HardSwish");
    }

    [Fact]
    public void ShiftedClipOverSixIsHardSigmoid()
    {
        var b = new Builder(9);
        string a = b.Add("Add", ["c", b.Scalar(3)]);
        string cl = b.Add("Clip", [a, b.Scalar(0), b.Scalar(6)]);
        string y = b.Add("Div", [cl, b.Scalar(6)]);
        using var model = b.Build(y);
        Check(b, model, "Clip(x+3,0,6)/6", "FusedConv", 1, "HardSigmoid");
    }

    [Fact]
    public void IntermediateReadElsewhereIsNotFused()
    {
        var b = new Builder(10);
        string a = b.Add("Add", ["c", b.Scalar(3)]);
        string cl = b.Add("Clip", [a, b.Scalar(0), b.Scalar(6)]);
        string m = b.Add("Mul", ["c", cl]);
        string y = b.Add("Div", [m, b.Scalar(6)]);
        using var model = b.Build(y, cl);
        Check(b, model, "hardswish with Clip also an output", "Conv", 5);
    }

    [Fact]
    public void ConvOutputReadTwiceKeepsRelu()
    {
        var b = new Builder(11);
        string r = b.Add("Relu", ["c"]);
        string y = b.Add("Add", [r, "c"]);
        using var model = b.Build(y);
        Check(b, model, "Relu whose input is also read by Add", "Conv", 3);
    }

    [Fact]
    public void WrongConstantsAreNotFused()
    {
        var b = new Builder(12);
        string a = b.Add("Add", ["c", b.Scalar(2.5f)]);
        string cl = b.Add("Clip", [a, b.Scalar(0), b.Scalar(6)]);
        string m = b.Add("Mul", ["c", cl]);
        string y = b.Add("Div", [m, b.Scalar(6)]);
        using var model = b.Build(y);
        Check(b, model, "x*Clip(x+2.5,0,6)/6", "Conv", 5);
    }

    [Fact]
    public void PerChannelAffineFoldsIntoConv()
    {
        var b = new Builder(13, m: 5);
        string s1 = b.Add("Mul", [b.Scalar(0.7f), "c"]);
        b.G.Initializers["shift"] = b.Random(b.M, 1, 1);
        string s2 = b.Add("Add", [s1, "shift"]);
        b.G.Initializers["scale"] = b.Random(1, b.M, 1, 1);
        string s3 = b.Add("Mul", [s2, "scale"]);
        string s4 = b.Add("Sub", [s3, b.Scalar(0.25f)]);
        string s5 = b.Add("Div", [s4, b.Scalar(1.5f, true)]);
        string y = b.Add("Relu", [s5]);
        using var model = b.Build(y);
        Check(b, model, "Conv*s+t per channel then Relu", "FusedConv", 1, "Relu");
    }

    [Fact]
    public void AffineThatChangesShapeIsNotFolded()
    {
        var b = new Builder(14, m: 4);
        b.G.Initializers["wide"] = b.Random(1, 1, 1, 9);
        string y = b.Add("Mul", ["c", "wide"]);
        b.G.Initializers["bcast"] = b.Random(2, 1, 1, 1, 1);
        string z = b.Add("Add", [y, "bcast"]);
        using var model = b.Build(z);
        Check(b, model, "non-per-channel affine", "Conv", 3);
    }

    [Fact]
    public void SubWithConvOnTheRightIsNotFolded()
    {
        var b = new Builder(15);
        string y = b.Add("Sub", [b.Scalar(1), "c"]);
        string z = b.Add("Mul", [b.Scalar(2), y]);
        using var model = b.Build(z);
        Check(b, model, "1 - conv then 2 * that", "Conv", 3);
    }

    [Theory]
    [InlineData("Relu", 0)]
    [InlineData("Sigmoid", 1)]
    [InlineData("Relu", 2)]
    public void GemmActivationFuses(string op, int variant)
    {
        var rng = new Random(20 + variant);
        Tensor R(params int[] shape)
        {
            var t = Tensor.Allocate(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
            return t;
        }
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, [3, 10]));
        g.Initializers["w"] = variant == 1 ? R(10, 7) : R(7, 10);
        g.Initializers["bias"] = variant == 2 ? R(3, 7) : R(7);
        var gemm = new Node("Gemm", ["x", "w", "bias"], ["g"], "gemm");
        if (variant != 1) gemm.Attributes["transB"] = Attr.Of("transB", 1L);
        if (variant == 2) gemm.Attributes["beta"] = Attr.Of("beta", 0.5f);
        g.Nodes.Add(gemm);
        g.Nodes.Add(new Node(op, ["g"], ["y"], "act"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 17;
        using (var copy = model.CloneStructure())
        {
            Assert.Equal(1, new FuseGemmActivation().Run(copy));
            Assert.Equal("FusedGemm", Assert.Single(copy.Graph.Nodes).OpType);
        }
        using var x = R(3, 10);
        var expected = Run(model, x, true, OptimizationLevel.None);
        AssertClose(expected, Run(model, x, true, OptimizationLevel.All), $"Gemm+{op} reference");
        AssertClose(expected, Run(model, x, false, OptimizationLevel.All), $"Gemm+{op} fast");
    }

    [Fact]
    public void UnknownActivationIsAOneLineError()
    {
        var node = new Node("FusedConv", ["x", "w"], ["y"], "f", Bramble.Ops.OpRegistry.BrambleDomain).With(Attr.Of("activation", "Gelu"));
        var e = Assert.Throws<GraphValidationException>(() => Bramble.Ops.OpRegistry.Create(node, 1));
        Assert.Contains("Gelu", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
