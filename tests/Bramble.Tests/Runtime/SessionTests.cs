using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Runtime;

public class SessionTests
{
    private static Model ReluModel(params Dim[] shape)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, shape));
        g.Nodes.Add(new Node("Relu", ["x"], ["h"], "r1"));
        g.Nodes.Add(new Node("Relu", ["h"], ["y"], "r2"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, shape));
        return new Model(g);
    }

    [Fact]
    public void RunsAStaticGraph()
    {
        using var model = ReluModel(Dim.Fixed(2), Dim.Fixed(3));
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        using var x = Tensor.FromArray(new float[] { -1, 2, -3, 4, 0, -0.5f }, 2, 3);
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = outputs["y"];
        Assert.Equal(new float[] { 0, 2, 0, 4, 0, 0 }, y.ToArray<float>());
    }

    [Fact]
    public void WrongShapeIsAOneLineError()
    {
        using var model = ReluModel(Dim.Fixed(2), Dim.Fixed(3));
        using var session = new InferenceSession(model);
        using var x = Tensor.Allocate(DataType.Float32, 3, 2);
        var e = Assert.Throws<ShapeException>(() => session.Run(new Dictionary<string, Tensor> { ["x"] = x }));
        Assert.Contains("input 'x'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void UnknownOperatorNamesOpNodeAndOpset()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 2));
        g.Nodes.Add(new Node("Frobnicate", ["x"], ["y"], "weird"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 2));
        using var model = new Model(g);
        var e = Assert.Throws<UnsupportedOperatorException>(() => new InferenceSession(model));
        Assert.Contains("Frobnicate", e.Message);
        Assert.Contains("weird", e.Message);
        Assert.Contains("opset 17", e.Message);
    }
}

public class SessionAllocationTests
{
    [Fact]
    public void SteadyStateRunAllocatesNothing()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 64));
        g.Nodes.Add(new Node("Relu", ["x"], ["h"], "r1"));
        g.Nodes.Add(new Node("Relu", ["h"], ["y"], "r2"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 64));
        using var model = new Model(g);
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        using var x = Tensor.Allocate(DataType.Float32, 1, 64);
        using var y = Tensor.Allocate(DataType.Float32, 1, 64);
        var inputs = new[] { new NamedTensor("x", x) };
        var outputs = new[] { new NamedTensor("y", y) };
        for (int i = 0; i < 3; i++) session.Run(inputs, outputs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) session.Run(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentRunsGiveCorrectResults()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1000));
        g.Nodes.Add(new Node("Relu", ["x"], ["y"], "r"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1000));
        using var model = new Model(g);
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        Parallel.For(0, 16, i =>
        {
            var data = Enumerable.Range(0, 1000).Select(k => (float)((k + i) % 7 - 3)).ToArray();
            using var x = Tensor.FromArray(data, 1000);
            var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
            using var y = outputs["y"];
            Assert.Equal(data.Select(v => Math.Max(v, 0)), y.ToArray<float>());
        });
    }
}
