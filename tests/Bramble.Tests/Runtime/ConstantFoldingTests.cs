using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Runtime;

/// <summary>Shape sub-graphs (Shape→Gather→Unsqueeze→Concat→Reshape) must fold away at planning time.</summary>
public class ConstantFoldingTests
{
    /// <summary>x[N,3,8,8] → Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) → Relu: a PyTorch-style flatten.</summary>
    private static Model FlattenByShapeChain(Dim batch)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, [batch, Dim.Fixed(3), Dim.Fixed(8), Dim.Fixed(8)]));
        g.Initializers["zero"] = Tensor.Scalar(0L);
        g.Initializers["axes0"] = Tensor.FromArray(new long[] { 0 }, 1);
        g.Initializers["minus_one"] = Tensor.FromArray(new long[] { -1 }, 1);
        g.Nodes.Add(new Node("Shape", ["x"], ["shape"], "shape"));
        g.Nodes.Add(new Node("Gather", ["shape", "zero"], ["n"], "gather").With(Bramble.Graph.Attribute.Of("axis", 0L)));
        g.Nodes.Add(new Node("Unsqueeze", ["n", "axes0"], ["n1"], "unsqueeze"));
        g.Nodes.Add(new Node("Concat", ["n1", "minus_one"], ["target"], "concat").With(Bramble.Graph.Attribute.Of("axis", 0L)));
        g.Nodes.Add(new Node("Reshape", ["x", "target"], ["flat"], "reshape"));
        g.Nodes.Add(new Node("Relu", ["flat"], ["y"], "relu"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, [batch, Dim.Fixed(192)]));
        return new Model(g);
    }

    private static Tensor Input(int batch)
    {
        var x = Tensor.Allocate(DataType.Float32, batch, 3, 8, 8);
        var s = x.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (i % 7) - 3;
        return x;
    }

    [Fact]
    public void ShapeChainFoldsAndReshapeIsAView()
    {
        using var model = FlattenByShapeChain(Dim.Fixed(1));
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var plan = session.PlanFor([[1, 3, 8, 8]]);
        Assert.NotNull(plan);
        Assert.Equal(["Reshape", "Relu"], plan!.Steps.Select(s => s.Op.Node.OpType).ToArray());
        Assert.True(plan.Steps[0].Op.IsView);

        using var x = Input(1);
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = outputs["y"];
        Assert.Equal([1, 192], y.Shape);
        var xs = x.ToArray<float>();
        var ys = y.ToArray<float>();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(Math.Max(xs[i], 0), ys[i]);
    }

    [Fact]
    public void SymbolicBatchFoldsPerShapeSignature()
    {
        using var model = FlattenByShapeChain(Dim.Symbolic("N"));
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        foreach (int batch in new[] { 2, 5 })
        {
            var plan = session.PlanFor([[batch, 3, 8, 8]]);
            Assert.Equal(["Reshape", "Relu"], plan!.Steps.Select(s => s.Op.Node.OpType).ToArray());
            using var x = Input(batch);
            using var y = session.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
            Assert.Equal([batch, 192], y.Shape);
            Assert.Equal(x.ToArray<float>().Select(v => Math.Max(v, 0)).ToArray(), y.ToArray<float>());
        }
    }

    [Fact]
    public void RuntimeShapeInputFallsBackToDynamicExecution()
    {
        // Reshape's target is a graph input, so no plan exists; the session still runs it.
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 2, 3));
        g.Inputs.Add(ValueInfo.Of("s", DataType.Int64, 2));
        g.Nodes.Add(new Node("Reshape", ["x", "s"], ["y"], "reshape"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        Assert.Null(session.PlanFor([[2, 3], [2]]));
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var s = Tensor.FromArray(new long[] { 3, -1 }, 2);
        using var y = session.Run(new Dictionary<string, Tensor> { ["x"] = x, ["s"] = s })["y"];
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
    }
}
