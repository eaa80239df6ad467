using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Graph;

public class GraphValidatorTests
{
    private static Bramble.Graph.Graph Chain()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 4));
        g.Outputs.Add(ValueInfo.Of("z", DataType.Float32, 4));
        return g;
    }

    [Fact]
    public void SortsNodesTopologically()
    {
        var g = Chain();
        g.Nodes.Add(new Node("Relu", ["y"], ["z"], "second"));
        g.Nodes.Add(new Node("Relu", ["x"], ["y"], "first"));
        GraphValidator.ValidateAndSort(g);
        Assert.Equal(["first", "second"], g.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void DanglingInputIsNamed()
    {
        var g = Chain();
        g.Nodes.Add(new Node("Relu", ["nowhere"], ["z"], "lost"));
        var e = Assert.Throws<GraphValidationException>(() => GraphValidator.ValidateAndSort(g));
        Assert.Contains("'nowhere'", e.Message);
        Assert.Contains("lost", e.Message);
    }

    [Fact]
    public void DuplicateOutputIsNamed()
    {
        var g = Chain();
        g.Nodes.Add(new Node("Relu", ["x"], ["z"], "a"));
        g.Nodes.Add(new Node("Relu", ["x"], ["z"], "b"));
        var e = Assert.Throws<GraphValidationException>(() => GraphValidator.ValidateAndSort(g));
        Assert.Contains("produced twice", e.Message);
    }

    [Fact]
    public void CycleIsDetected()
    {
        var g = Chain();
        g.Nodes.Add(new Node("Add", ["x", "w"], ["v"], "a"));
        g.Nodes.Add(new Node("Relu", ["v"], ["w"], "b"));
        g.Nodes.Add(new Node("Relu", ["v"], ["z"], "c"));
        var e = Assert.Throws<GraphValidationException>(() => GraphValidator.ValidateAndSort(g));
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void MissingGraphOutputIsNamed()
    {
        var g = Chain();
        g.Nodes.Add(new Node("Relu", ["x"], ["y"], "a"));
        var e = Assert.Throws<GraphValidationException>(() => GraphValidator.ValidateAndSort(g));
        Assert.Contains("graph output 'z'", e.Message);
    }
}
