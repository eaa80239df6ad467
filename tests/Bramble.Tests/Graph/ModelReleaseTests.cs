using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Graph;

/// <summary><see cref="Model.DropInitializerIfUnused"/>: removes dead initializers, frees only what the model may free.</summary>
public class ModelReleaseTests
{
    private static Model TwoWeights()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 2));
        g.Initializers["used"] = Tensor.FromArray(new float[] { 1, 2 }, 2);
        g.Initializers["dead"] = Tensor.FromArray(new float[] { 3, 4 }, 2);
        g.Nodes.Add(new Node("Add", ["x", "used"], ["y"], "add"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 2));
        return new Model(g);
    }

    [Fact]
    public void KeepsWhatANodeReads()
    {
        using var model = TwoWeights();
        model.FreeDroppedEagerly = true;
        model.DropInitializerIfUnused("used");
        Assert.Equal(new float[] { 1, 2 }, model.Graph.Initializers["used"].ToArray<float>());
    }

    [Fact]
    public void WithoutEagerFreeingOnlyRemoves()
    {
        using var model = TwoWeights();
        var dead = model.Graph.Initializers["dead"];
        model.DropInitializerIfUnused("dead");
        Assert.False(model.Graph.Initializers.ContainsKey("dead"));
        Assert.Equal(new float[] { 3, 4 }, dead.ToArray<float>());
        dead.Dispose();
    }

    [Fact]
    public void EagerFreeingFreesOwnedTensors()
    {
        using var model = TwoWeights();
        var dead = model.Graph.Initializers["dead"];
        model.FreeDroppedEagerly = true;
        model.DropInitializerIfUnused("dead");
        Assert.False(model.Graph.Initializers.ContainsKey("dead"));
        Assert.Throws<ObjectDisposedException>(() => dead.ToArray<float>());
    }

    [Fact]
    public void EagerFreeingNeverFreesTensorsSharedWithTheOriginal()
    {
        using var original = TwoWeights();
        using var copy = original.CloneStructure();
        copy.FreeDroppedEagerly = true;
        copy.DropInitializerIfUnused("dead");
        Assert.False(copy.Graph.Initializers.ContainsKey("dead"));
        Assert.Equal(new float[] { 3, 4 }, original.Graph.Initializers["dead"].ToArray<float>());
    }
}
