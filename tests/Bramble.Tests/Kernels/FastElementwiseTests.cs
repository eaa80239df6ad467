using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Kernels;

/// <summary>Vectorised elementwise fast paths against the reference ops, on random shapes with broadcasting and tails.</summary>
public class FastElementwiseTests
{
    private static Tensor RandomTensor(Random rng, int[] shape, bool withSpecials = false)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 16 - 8);
        if (withSpecials && s.Length > 3) { s[0] = float.NaN; s[1] = float.PositiveInfinity; s[2] = float.NegativeInfinity; }
        return t;
    }

    private static float[] Run(Node node, Dictionary<string, Tensor> inputs, Dictionary<string, Tensor> constants, bool reference, Isa isa, int threads)
    {
        var g = new Bramble.Graph.Graph();
        foreach (var (name, t) in inputs) g.Inputs.Add(ValueInfo.Of(name, DataType.Float32, t.Shape));
        foreach (var (name, t) in constants) g.Initializers[name] = t;
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 17;
        using var session = new InferenceSession(model, new SessionOptions { Threads = threads, ReferenceKernels = reference, MaxIsa = isa });
        var outputs = session.Run(inputs);
        using var y = outputs["y"];
        return y.ToArray<float>();
    }

    private static void AssertClose(float[] expected, float[] actual, float tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) continue;
            if (expected[i] == actual[i]) continue;
            if (!(MathF.Abs(expected[i] - actual[i]) <= tol * MathF.Max(1, MathF.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} reference {expected[i]} fast {actual[i]}");
        }
    }

    public static TheoryData<Isa> Caps()
    {
        var data = new TheoryData<Isa>();
        foreach (var isa in Enum.GetValues<Isa>()) if (isa <= CpuFeatures.Best) data.Add(isa);
        return data;
    }

    /// <summary>Random output shape and a broadcastable partner: same shape, scalar, per-channel, trailing row, or mixed ones.</summary>
    private static (int[] A, int[] B) BroadcastPair(Random rng, int variant)
    {
        int rank = rng.Next(1, 5);
        var y = new int[rank];
        for (int d = 0; d < rank; d++) y[d] = rng.Next(1, 13);
        if (variant % 7 == 6) y[^1] = 37 + rng.Next(40); // long rows: vector body plus tail
        var b = (int[])y.Clone();
        switch (variant % 6)
        {
            case 0: break;
            case 1: b = [1]; break;
            case 2: for (int d = 0; d < rank; d++) if (d != Math.Min(1, rank - 1)) b[d] = 1; break;
            case 3: b = [y[^1]]; break;
            case 4: for (int d = 0; d < rank; d++) if (rng.Next(2) == 0) b[d] = 1; break;
            case 5: b = b[rng.Next(rank)..]; break;
        }
        var a = (int[])y.Clone();
        // Both sides broadcast: a drops to 1 only where b keeps the full extent.
        if (b.Length == rank && variant % 3 == 1) for (int d = 0; d < rank; d++) if (b[d] == y[d] && rng.Next(2) == 0) a[d] = 1;
        return rng.Next(2) == 0 ? (a, b) : (b, a);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void BinaryArithmeticMatchesReference(Isa isa)
    {
        var rng = new Random(5 + (int)isa);
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            for (int i = 0; i < 14; i++)
            {
                var (sa, sb) = BroadcastPair(rng, i);
                using var a = RandomTensor(rng, sa);
                using var b = RandomTensor(rng, sb);
                var node = new Node(op, ["a", "b"], ["y"], "op");
                var inputs = new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b };
                var expected = Run(node, inputs, [], true, isa, 1);
                AssertClose(expected, Run(node, inputs, [], false, isa, 1 + i % 2), 0, $"{op} {ShapeUtil.Format(sa)} x {ShapeUtil.Format(sb)}");
            }
    }

    [Fact]
    public void LargeBinaryIsSplitOverThreadsCorrectly()
    {
        var rng = new Random(9);
        foreach (var (sa, sb) in new[] { (new[] { 1, 24, 64, 65 }, new[] { 1, 24, 64, 65 }), ([1, 24, 64, 65], [1, 24, 1, 1]), ([1, 24, 64, 65], [1]), ([2, 3, 100, 111], [3, 1, 111]) })
        {
            using var a = RandomTensor(rng, sa);
            using var b = RandomTensor(rng, sb);
            var node = new Node("Mul", ["a", "b"], ["y"], "op");
            var inputs = new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b };
            AssertClose(Run(node, inputs, [], true, CpuFeatures.Best, 1), Run(node, inputs, [], false, CpuFeatures.Best, 2), 0, $"Mul {ShapeUtil.Format(sa)} x {ShapeUtil.Format(sb)}");
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void ActivationsMatchReference(Isa isa)
    {
        var rng = new Random(17 + (int)isa);
        var cases = new (string Op, Attr[] Attrs, float Tol)[]
        {
            ("Relu", [], 0), ("LeakyRelu", [Attr.Of("alpha", 0.1f)], 1e-6f), ("Sigmoid", [], 2e-6f),
            ("HardSigmoid", [Attr.Of("alpha", 0.3f), Attr.Of("beta", 0.4f)], 1e-6f), ("HardSwish", [], 2e-6f),
        };
        foreach (var (op, attrs, tol) in cases)
            foreach (int n in new[] { 1, 7, 8, 13, 64, 1000, 40000 })
            {
                using var x = RandomTensor(rng, [n], withSpecials: op != "HardSwish");
                var node = new Node(op, ["x"], ["y"], "op");
                foreach (var a in attrs) node.Attributes[a.Name] = a;
                var inputs = new Dictionary<string, Tensor> { ["x"] = x };
                AssertClose(Run(node, inputs, [], true, isa, 1), Run(node, inputs, [], false, isa, 1 + n % 2), tol, $"{op} n={n}");
            }
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void ClipMatchesReference(bool hasMin, bool hasMax)
    {
        var rng = new Random(3);
        using var x = RandomTensor(rng, [3, 5, 19], withSpecials: true);
        var node = new Node("Clip", ["x", hasMin ? "lo" : "", hasMax ? "hi" : ""], ["y"], "clip");
        var constants = new Dictionary<string, Tensor>();
        if (hasMin) constants["lo"] = Tensor.Scalar(-1.5f);
        if (hasMax) constants["hi"] = Tensor.Scalar(2.25f);
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        var expected = Run(node, inputs, constants.ToDictionary(k => k.Key, k => k.Value.Clone()), true, CpuFeatures.Best, 1);
        AssertClose(expected, Run(node, inputs, constants, false, CpuFeatures.Best, 1), 0, $"Clip min={hasMin} max={hasMax}");
    }
    [Theory]
    [MemberData(nameof(Caps))]
    public void GlobalAveragePoolMatchesReference(Isa isa)
    {
        var rng = new Random(23 + (int)isa);
        foreach (var shape in new[] { new[] { 1, 3, 1, 1 }, [2, 5, 3, 7], [1, 17, 40, 41], [1, 64, 9], [2, 3, 4, 5, 6] })
        {
            using var x = RandomTensor(rng, shape);
            var node = new Node("GlobalAveragePool", ["x"], ["y"], "gap");
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            AssertClose(Run(node, inputs, [], true, isa, 1), Run(node, inputs, [], false, isa, 2), 1e-6f, $"GlobalAveragePool {ShapeUtil.Format(shape)}");
        }
    }
    [Theory]
    [MemberData(nameof(Caps))]
    public void SoftmaxMatchesReferenceOnLinesWithTails(Isa isa)
    {
        var rng = new Random(31 + (int)isa);
        // Line lengths below, at and past each vector width, a long line (PP-OCR's 6625 classes), specials in some lines.
        int[] lengths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100, 6625];
        foreach (int length in lengths)
        foreach (int threads in new[] { 1, 2 })
        {
            int lines = rng.Next(1, 6) + (length < 100 ? 40 : 0);
            using var x = RandomTensor(rng, [1, lines, length], withSpecials: length == 33);
            if (length == 100) x.AsSpan<float>()[5] = 1000; // one dominant value: the others underflow to 0
            var node = new Node("Softmax", ["x"], ["y"], "softmax");
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            var expected = Run(node, inputs, [], reference: true, isa, threads);
            var actual = Run(node, inputs, [], reference: false, isa, threads);
            AssertClose(expected, actual, 2e-6f, $"softmax {lines}×{length} at {threads} threads");
        }
    }

    [Fact]
    public void SoftmaxOverAMiddleAxisKeepsTheReference()
    {
        using var x = RandomTensor(new Random(5), [2, 7, 3]);
        var node = new Node("Softmax", ["x"], ["y"], "softmax");
        node.Attributes["axis"] = Attr.Of("axis", 1L);
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        AssertClose(Run(node, inputs, [], reference: true, CpuFeatures.Best, 1), Run(node, inputs, [], reference: false, CpuFeatures.Best, 1), 0, "softmax axis 1");
    }
    [Theory]
    [MemberData(nameof(Caps))]
    public void PowByAConstantTwoSquaresExactly(Isa isa)
    {
        var rng = new Random(17 + (int)isa);
        foreach (int n in new[] { 1, 7, 8, 9, 31, 4800 })
        foreach (float exponent in new[] { 2f, 3f, 0.5f })
        {
            using var x = RandomTensor(rng, [n], withSpecials: true);
            // The model owns (and disposes) its initializers: each session gets its own exponent.
            Dictionary<string, Tensor> Exponent()
            {
                var e = Tensor.Allocate(DataType.Float32, []);
                e.AsSpan<float>()[0] = exponent;
                return new Dictionary<string, Tensor> { ["e"] = e };
            }
            var node = new Node("Pow", ["x", "e"], ["y"], "pow");
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            AssertClose(Run(node, inputs, Exponent(), true, isa, 1), Run(node, inputs, Exponent(), false, isa, 1), 0, $"Pow n={n} e={exponent}");
        }
    }
}
