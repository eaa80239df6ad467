using Bramble.Graph;
using Bramble.Passes;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Passes;

/// <summary>
/// PromoteConstants: weights held in Constant nodes (paddle2onnx style) become initializers, so
/// Conv → BatchNormalization → Relu folds and fuses into one node, with unchanged results.
/// </summary>
public class PromoteConstantsTests
{
    private static Tensor Random(Random rng, float lo, float hi, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(lo + rng.NextDouble() * (hi - lo));
        return t;
    }

    /// <summary>x → Conv → BatchNormalization → Relu, every weight and statistic a Constant node.</summary>
    private static Model ConvBnRelu(int seed, bool constantIsOutput = false)
    {
        var rng = new Random(seed);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, [1, 3, 6, 7]));
        void Constant(string name, Tensor value) => g.Nodes.Add(new Node("Constant", [], [name], name + "_node").With(Attr.Of("value", value)));
        Constant("w", Random(rng, -1, 1, 5, 3, 3, 3));
        Constant("gamma", Random(rng, 0.5f, 1.5f, 5));
        Constant("beta", Random(rng, -1, 1, 5));
        Constant("mean", Random(rng, -1, 1, 5));
        Constant("var", Random(rng, 0.5f, 2, 5));
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["c"], "conv").With(Attr.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], "bn"));
        g.Nodes.Add(new Node("Relu", ["bn"], ["y"], "relu"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        if (constantIsOutput) g.Outputs.Add(new ValueInfo("beta", DataType.Float32, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        return model;
    }

    private static float[] Run(Model model, Tensor x, OptimizationLevel level, bool reference, string output = "y")
    {
        using var session = new InferenceSession(model, new SessionOptions { Optimization = level, ReferenceKernels = reference });
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        var result = outputs[output].ToArray<float>();
        foreach (var t in outputs.Values) t.Dispose();
        return result;
    }

    [Fact]
    public void ConstantWeightsFoldAndFuseIntoOneConv()
    {
        using var model = ConvBnRelu(1);
        using (var copy = model.CloneStructure())
        {
            var log = PassPipeline.Run(copy, PassPipeline.For(OptimizationLevel.All));
            Assert.Contains(log, e => e.Pass == "promote-constants" && e.Rewrites == 5);
            Assert.Contains(log, e => e.Pass == "fold-batchnorm" && e.Rewrites == 1);
            var node = Assert.Single(copy.Graph.Nodes);
            Assert.Equal("FusedConv", node.OpType);
        }
        using var x = Random(new Random(2), -2, 2, 1, 3, 6, 7);
        var expected = Run(model, x, OptimizationLevel.None, reference: true);
        foreach (bool reference in new[] { true, false })
        {
            var actual = Run(model, x, OptimizationLevel.All, reference);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * MathF.Max(1, MathF.Abs(expected[i])),
                    $"element {i}: unoptimized {expected[i]}, optimized {actual[i]} (reference kernels: {reference})");
        }
    }

    [Fact]
    public void ConstantThatIsAGraphOutputStaysANode()
    {
        using var model = ConvBnRelu(3, constantIsOutput: true);
        new PromoteConstants().Run(model);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Constant" && n.Outputs[0] == "beta");
        Assert.DoesNotContain("beta", model.Graph.Initializers.Keys);
        Assert.Contains("w", model.Graph.Initializers.Keys);
    }

    [Fact]
    public void SessionLeavesTheCallersConstantTensorsIntact()
    {
        using var model = ConvBnRelu(4);
        var weights = model.Graph.Nodes.First(n => n.Outputs[0] == "w").GetTensor("value")!;
        var before = weights.ToArray<float>();
        using var x = Random(new Random(5), -2, 2, 1, 3, 6, 7);
        var first = Run(model, x, OptimizationLevel.All, reference: false);
        // The session promoted (copied), folded and freed its own tensors; the caller's are unchanged and alive.
        Assert.Equal(before, weights.ToArray<float>());
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Constant");
        Assert.Equal(first, Run(model, x, OptimizationLevel.All, reference: false));
    }
}
