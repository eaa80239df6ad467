using Bramble.Graph;
using Bramble.Ops;
using Bramble.Passes.Quantization;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Passes.Quantization;

/// <summary>fold-qdq-lookup: which DQ → elementwise chain → Q regions become one QLookup, and that it computes the same codes.</summary>
public class FoldQdqLookupTests
{
    private static readonly int[] Shape = [2, 5, 7, 9];

    /// <summary>
    /// x → Q → DQ → chain → Q (the graph's output: codes). <paramref name="chain"/> adds nodes reading "d" and returns the
    /// value the final Q reads; scalar constants it needs go in through <paramref name="constant"/>.
    /// </summary>
    private static Model Build(bool signedIn, bool signedOut, Func<Bramble.Graph.Graph, Func<float, string>, string> chain)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, Shape));
        g.Initializers["xs"] = Tensor.Scalar(0.05f);
        g.Initializers["xz"] = signedIn ? Tensor.Scalar((sbyte)-6) : Tensor.Scalar((byte)121);
        g.Initializers["ys"] = Tensor.Scalar(0.03f);
        g.Initializers["yz"] = signedOut ? Tensor.Scalar((sbyte)-20) : Tensor.Scalar((byte)40);
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], "qx"));
        g.Nodes.Add(new Node("DequantizeLinear", ["xq", "xs", "xz"], ["d"], "dqx"));
        int constants = 0;
        string Constant(float v)
        {
            string name = "c" + constants++;
            g.Initializers[name] = constants % 2 == 0 ? Tensor.Scalar(v) : Tensor.FromArray(new[] { v }, 1);
            return name;
        }
        string last = chain(g, Constant);
        g.Nodes.Add(new Node("QuantizeLinear", [last, "ys", "yz"], ["y"], "qy"));
        g.Outputs.Add(new ValueInfo("y", signedOut ? DataType.Int8 : DataType.UInt8, null));
        return new Model(g);
    }

    /// <summary>PP-OCR's block tail: a learnable scalar scale and shift, then HardSwish written out (x · clip(x + 3, 0, 6) / 6).</summary>
    private static string HardSwishChain(Bramble.Graph.Graph g, Func<float, string> c)
    {
        g.Nodes.Add(new Node("Mul", [c(1.3f), "d"], ["m"], "lab_scale"));
        g.Nodes.Add(new Node("Add", ["m", c(-0.2f)], ["a"], "lab_shift"));
        g.Nodes.Add(new Node("Add", ["a", c(3f)], ["a3"], "hs_add"));
        g.Nodes.Add(new Node("Clip", ["a3", c(0f), c(6f)], ["cl"], "hs_clip"));
        g.Nodes.Add(new Node("Mul", ["a", "cl"], ["mm"], "hs_mul"));
        g.Nodes.Add(new Node("Div", ["mm", c(6f)], ["hs"], "hs_div"));
        return "hs";
    }

    private static string SigmoidChain(Bramble.Graph.Graph g, Func<float, string> c)
    {
        g.Nodes.Add(new Node("Sigmoid", ["d"], ["s"], "sig"));
        g.Nodes.Add(new Node("Mul", ["d", "s"], ["silu"], "silu"));
        g.Nodes.Add(new Node("LeakyRelu", ["silu"], ["lr"], "leaky").With(Bramble.Graph.Attribute.Of("alpha", 0.1f)));
        return "lr";
    }

    private static byte[] Run(Model model, Tensor x, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        using var y = session.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        return y.AsReadOnlySpan<byte>().ToArray();
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    [InlineData(false, false, true)]
    public void ElementwiseChainsBecomeOneLookupWithTheSameCodes(bool signedIn, bool signedOut, bool sigmoid)
    {
        Func<Bramble.Graph.Graph, Func<float, string>, string> chain = sigmoid ? SigmoidChain : HardSwishChain;
        using var folded = Build(signedIn, signedOut, chain);
        Assert.Equal(1, new FoldQdqLookup().Run(folded));
        var lookup = Assert.Single(folded.Graph.Nodes, n => n.OpType == "QLookup");
        Assert.Equal(OpRegistry.BrambleDomain, lookup.Domain);
        Assert.Equal("qy", lookup.Name);
        Assert.Equal(["qx"], folded.Graph.Nodes.Where(n => n.OpType != "QLookup").Select(n => n.Name));

        using var model = Build(signedIn, signedOut, chain);
        var rng = new Random(7);
        var values = new float[Shape.Aggregate(1, (a, b) => a * b)];
        // Every input code is hit: the range covers the whole 8-bit grid and then some (saturation).
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 16 - 8);
        using var x = Tensor.FromArray(values, Shape);
        var unfolded = Run(model, x, new SessionOptions { Optimization = OptimizationLevel.None });
        var fast = Run(model, x, new SessionOptions());
        int differ = 0;
        for (int i = 0; i < unfolded.Length; i++)
        {
            int a = signedOut ? (sbyte)unfolded[i] : unfolded[i], b = signedOut ? (sbyte)fast[i] : fast[i];
            Assert.True(Math.Abs(a - b) <= 1, $"element {i}: QDQ {a} lookup {b}");
            if (a != b) differ++;
        }
        // Float rounding may tip a value over a quantization boundary, rarely.
        Assert.True(differ <= unfolded.Length / 50, $"{differ} of {unfolded.Length} codes differ");
        Assert.True(fast.Distinct().Count() > 20, "degenerate outputs");
    }

    [Fact]
    public void ChainsThatAreNotOneCodeToOneCodeStayAsTheyAre()
    {
        // A per-channel (non-scalar) operand: the map differs by channel.
        using (var perChannel = Build(false, false, (g, c) =>
        {
            g.Initializers["scale"] = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 5, 1, 1);
            g.Nodes.Add(new Node("Mul", ["d", "scale"], ["m"], "mul"));
            return "m";
        }))
            Assert.Equal(0, new FoldQdqLookup().Run(perChannel));

        // An intermediate value read outside the chain (here: also a graph output).
        using (var shared = Build(false, false, HardSwishChain))
        {
            shared.Graph.Outputs.Add(new ValueInfo("a", DataType.Float32, null));
            Assert.Equal(0, new FoldQdqLookup().Run(shared));
        }

        // A second run-time input: the chain is not a function of one code.
        using (var twoInputs = Build(false, false, (g, c) =>
        {
            g.Nodes.Add(new Node("Add", ["d", "x"], ["sum"], "add"));
            return "sum";
        }))
            Assert.Equal(0, new FoldQdqLookup().Run(twoInputs));

        // Not ending in a QuantizeLinear: the float result is what the next op wants.
        using (var floatEnd = Build(false, false, SigmoidChain))
        {
            floatEnd.Graph.Nodes.RemoveAll(n => n.Name == "qy");
            floatEnd.Graph.Outputs.Clear();
            floatEnd.Graph.Outputs.Add(new ValueInfo("lr", DataType.Float32, null));
            Assert.Equal(0, new FoldQdqLookup().Run(floatEnd));
        }
    }
}
