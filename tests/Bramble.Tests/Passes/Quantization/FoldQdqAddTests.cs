using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Ops;
using Bramble.Passes.Quantization;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Passes.Quantization;

/// <summary>fold-qdq-add: residual Adds between quantized tensors become QLinearAdd, with the QDQ graph's codes.</summary>
public class FoldQdqAddTests
{
    /// <summary>a, b → Q → DQ → Add → [activation] → Q (the graph's output: codes).</summary>
    private static Model Build(bool signed, string? activation, int[] aShape, int[] bShape)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("a", DataType.Float32, aShape));
        g.Inputs.Add(ValueInfo.Of("b", DataType.Float32, bShape));
        Tensor Zp(int v) => signed ? Tensor.Scalar((sbyte)v) : Tensor.Scalar((byte)(v + 128));
        g.Initializers["as"] = Tensor.Scalar(0.043f);
        g.Initializers["az"] = Zp(-7);
        g.Initializers["bs"] = Tensor.Scalar(0.021f);
        g.Initializers["bz"] = Zp(11);
        g.Initializers["ys"] = Tensor.Scalar(0.05f);
        g.Initializers["yz"] = Zp(-30);
        g.Nodes.Add(new Node("QuantizeLinear", ["a", "as", "az"], ["aq"], "qa"));
        g.Nodes.Add(new Node("DequantizeLinear", ["aq", "as", "az"], ["ad"], "dqa"));
        g.Nodes.Add(new Node("QuantizeLinear", ["b", "bs", "bz"], ["bq"], "qb"));
        g.Nodes.Add(new Node("DequantizeLinear", ["bq", "bs", "bz"], ["bd"], "dqb"));
        g.Nodes.Add(new Node("Add", ["ad", "bd"], ["sum"], "residual"));
        string last = "sum";
        if (activation == "Relu") g.Nodes.Add(new Node("Relu", ["sum"], [last = "act"], "relu"));
        if (activation == "Clip")
        {
            g.Initializers["lo"] = Tensor.Scalar(-1f);
            g.Initializers["hi"] = Tensor.Scalar(2.5f);
            g.Nodes.Add(new Node("Clip", ["sum", "lo", "hi"], [last = "act"], "clip"));
        }
        g.Nodes.Add(new Node("QuantizeLinear", [last, "ys", "yz"], ["y"], "qy"));
        g.Outputs.Add(new ValueInfo("y", signed ? DataType.Int8 : DataType.UInt8, null));
        return new Model(g);
    }

    private static int[] Run(Model model, Tensor a, Tensor b, bool signed, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        using var y = session.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b })["y"];
        return y.AsReadOnlySpan<byte>().ToArray().Select(v => signed ? (int)(sbyte)v : v).ToArray();
    }

    private static Tensor Random(Random rng, int[] shape)
    {
        var v = new float[shape.Aggregate(1, (x, y) => x * y)];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 12 - 6);
        return Tensor.FromArray(v, shape);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, "Relu")]
    [InlineData(true, "Relu")]
    [InlineData(false, "Clip")]
    public void ResidualAddsFoldAndKeepTheCodes(bool signed, string? activation)
    {
        // 3·5·7·11 elements: not a multiple of 8 or 4, so the vector loops end in a scalar tail.
        int[] shape = [3, 5, 7, 11];
        using (var folded = Build(signed, activation, shape, shape))
        {
            Assert.Equal(1, new FoldQdqAdd().Run(folded));
            var add = Assert.Single(folded.Graph.Nodes, n => n.OpType == "QLinearAdd");
            Assert.Equal(OpRegistry.BrambleDomain, add.Domain);
            Assert.Equal(activation != null, add.HasAttribute("fused_min"));
            Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType is "Add" or "Relu" or "Clip" or "DequantizeLinear");
        }
        using var model = Build(signed, activation, shape, shape);
        var rng = new Random(activation?.Length ?? 3);
        using var a = Random(rng, shape);
        using var b = Random(rng, shape);
        var unfolded = Run(model, a, b, signed, new SessionOptions { Optimization = OptimizationLevel.None });
        var reference = Run(model, a, b, signed, new SessionOptions { ReferenceKernels = true });
        foreach (var isa in new[] { Isa.Scalar, Isa.Vector128, Isa.Vector256 })
        {
            var fast = Run(model, a, b, signed, new SessionOptions { MaxIsa = isa });
            Assert.Equal(reference, fast);
        }
        int differ = 0;
        for (int i = 0; i < unfolded.Length; i++)
        {
            Assert.True(Math.Abs(unfolded[i] - reference[i]) <= 1, $"element {i}: QDQ {unfolded[i]} folded {reference[i]}");
            if (unfolded[i] != reference[i]) differ++;
        }
        Assert.True(differ <= unfolded.Length / 50, $"{differ} of {unfolded.Length} codes differ");
        Assert.True(reference.Distinct().Count() > 20, "degenerate outputs");
    }

    [Fact]
    public void BroadcastAddsFoldAndRunTheGeneralPath()
    {
        int[] aShape = [2, 6, 5, 4], bShape = [6, 1, 1];
        using var model = Build(false, "Relu", aShape, bShape);
        var rng = new Random(5);
        using var a = Random(rng, aShape);
        using var b = Random(rng, bShape);
        var unfolded = Run(model, a, b, false, new SessionOptions { Optimization = OptimizationLevel.None });
        var folded = Run(model, a, b, false, new SessionOptions());
        for (int i = 0; i < unfolded.Length; i++) Assert.True(Math.Abs(unfolded[i] - folded[i]) <= 1, $"element {i}");
    }

    [Fact]
    public void AddsThatAreNotBetweenQuantizedTensorsStay()
    {
        // The float sum has a second reader.
        using (var shared = Build(false, null, [4, 4], [4, 4]))
        {
            shared.Graph.Outputs.Add(new ValueInfo("sum", DataType.Float32, null));
            Assert.Equal(0, new FoldQdqAdd().Run(shared));
        }
        // One operand is a float constant, not a dequantized tensor.
        using (var constant = Build(false, null, [4, 4], [4, 4]))
        {
            var add = constant.Graph.Nodes.Single(n => n.Name == "residual");
            constant.Graph.Initializers["k"] = Tensor.Scalar(0.5f);
            add.Inputs[1] = "k";
            Assert.Equal(0, new FoldQdqAdd().Run(constant));
        }
    }
}
