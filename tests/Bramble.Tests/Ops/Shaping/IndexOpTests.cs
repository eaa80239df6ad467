using Bramble.Tensors;
using static Bramble.Tests.Ops.Shaping.OpHarness;

namespace Bramble.Tests.Ops.Shaping;

public class IndexOpTests
{
    [Fact]
    public void GatherAxis1WithNegativeIndices()
    {
        using var x = Iota(2, 3);
        using var idx = L([-1, 0], 2);
        using var y = Run1("Gather", [A("axis", 1)], In(x), In(idx));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal(new float[] { 2, 0, 5, 3 }, y.ToArray<float>());
    }

    [Fact]
    public void GatherScalarIndexDropsTheAxis()
    {
        using var x = L([10, 20, 30, 40, 50, 60], 3, 2);
        using var idx = Tensor.Scalar(2);
        using var y = Run1("Gather", NoAttrs, In(x), Const(idx));
        Assert.Equal([2], y.Shape);
        Assert.Equal(new long[] { 50, 60 }, y.ToArray<long>());
    }

    [Fact]
    public void GatherOutOfRangeIndexFails()
    {
        using var x = Iota(3);
        using var idx = L([3], 1);
        Assert.Contains("index 3", Fails("Gather", 17, NoAttrs, In(x), In(idx)).Message);
    }

    [Fact]
    public void GatherFromEmptyIndicesIsEmpty()
    {
        using var x = Iota(3, 2);
        using var idx = Tensor.Allocate(DataType.Int64, 0);
        using var y = Run1("Gather", NoAttrs, In(x), In(idx));
        Assert.Equal([0, 2], y.Shape);
    }

    [Fact]
    public void GatherElementsAxis1()
    {
        using var x = F([1, 2, 3, 4], 2, 2);
        using var idx = L([0, 0, 1, 0], 2, 2);
        using var y = Run1("GatherElements", [A("axis", 1)], In(x), In(idx));
        Assert.Equal(new float[] { 1, 1, 4, 3 }, y.ToArray<float>());
    }

    [Fact]
    public void GatherElementsNegativeIndexAxis0()
    {
        using var x = Iota(3, 3);
        using var idx = I([-1, -2, 0], 1, 3);
        using var y = Run1("GatherElements", NoAttrs, In(x), In(idx));
        Assert.Equal([1, 3], y.Shape);
        Assert.Equal(new float[] { 6, 4, 2 }, y.ToArray<float>());
    }

    [Fact]
    public void GatherNDPicksSlicesAndElements()
    {
        using var x = L([0, 1, 2, 3], 2, 2);
        using var rows = L([1, 0], 2, 1);
        using var y1 = Run1("GatherND", NoAttrs, In(x), In(rows));
        Assert.Equal([2, 2], y1.Shape);
        Assert.Equal(new long[] { 2, 3, 0, 1 }, y1.ToArray<long>());
        using var cells = L([0, 0, 1, 1], 2, 2);
        using var y2 = Run1("GatherND", NoAttrs, In(x), In(cells));
        Assert.Equal(new long[] { 0, 3 }, y2.ToArray<long>());
    }

    [Fact]
    public void GatherNDWithBatchDims()
    {
        using var x = Iota(2, 2, 2);
        using var idx = L([1, 0], 2, 1);
        using var y = Run1("GatherND", [A("batch_dims", 1)], In(x), In(idx));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal(new float[] { 2, 3, 4, 5 }, y.ToArray<float>());
    }

    [Fact]
    public void ScatterNDReplacesAndAdds()
    {
        using var x = F([1, 2, 3, 4], 4);
        using var idx = L([3, 1, 3], 3, 1);
        using var upd = F([10, 20, 30], 3);
        using var add = Run1("ScatterND", [A("reduction", "add")], In(x), In(idx), In(upd));
        Assert.Equal(new float[] { 1, 22, 3, 44 }, add.ToArray<float>());
        using var idx2 = L([3, 1], 2, 1);
        using var upd2 = F([10, 20], 2);
        using var none = Run1("ScatterND", NoAttrs, In(x), In(idx2), In(upd2));
        Assert.Equal(new float[] { 1, 20, 3, 10 }, none.ToArray<float>());
    }

    [Fact]
    public void ScatterNDSliceUpdatesInt64()
    {
        using var x = L([0, 0, 0, 0], 2, 2);
        using var idx = L([1], 1, 1);
        using var upd = L([7, 8], 1, 2);
        using var y = Run1("ScatterND", NoAttrs, In(x), Const(idx), In(upd));
        Assert.Equal(new long[] { 0, 0, 7, 8 }, y.ToArray<long>());
    }

    [Fact]
    public void ScatterElementsAxis1NegativeIndex()
    {
        using var x = F([1, 2, 3, 4, 5], 1, 5);
        using var idx = L([1, -2], 1, 2);
        using var upd = F([1.1f, 2.1f], 1, 2);
        using var y = Run1("ScatterElements", [A("axis", 1)], In(x), In(idx), In(upd));
        Assert.Equal(new float[] { 1, 1.1f, 3, 2.1f, 5 }, y.ToArray<float>());
    }

    [Fact]
    public void ScatterElementsOutOfRangeFails()
    {
        using var x = Iota(2);
        using var idx = L([2], 1);
        using var upd = F([1], 1);
        Fails("ScatterElements", 17, NoAttrs, In(x), In(idx), In(upd));
    }

    [Fact]
    public void OneHotWithAxisAndNegativeIndices()
    {
        using var idx = L([1, -1, 5], 3);
        using var depth = Tensor.Scalar(3f);
        using var values = F([0, 7], 2);
        using var y = Run1("OneHot", [A("axis", 0)], In(idx), Const(depth), In(values));
        Assert.Equal([3, 3], y.Shape);
        // column j is the one-hot of idx[j]; 5 is out of range → all off.
        Assert.Equal(new float[] { 0, 0, 0, 7, 0, 0, 0, 7, 0 }, y.ToArray<float>());
    }

    [Fact]
    public void TopKLargestAndSmallestWithTies()
    {
        using var x = F([1, 3, 3, 2, 9, 0, 5, 5], 2, 4);
        using var k = L([2], 1);
        var largest = OpHarness.Run("TopK", 17, 2, NoAttrs, In(x), Const(k));
        Assert.Equal(new float[] { 3, 3, 9, 5 }, largest[0].ToArray<float>());
        Assert.Equal(new long[] { 1, 2, 0, 2 }, largest[1].ToArray<long>());
        var smallest = OpHarness.Run("TopK", 17, 2, [A("largest", 0), A("axis", 0)], In(x), Const(k));
        Assert.Equal([2, 4], smallest[0].Shape);
        Assert.Equal(new float[] { 1, 0, 3, 2, 9, 3, 5, 5 }, smallest[0].ToArray<float>());
        Assert.Equal(new long[] { 0, 1, 0, 0, 1, 0, 1, 1 }, smallest[1].ToArray<long>());
        foreach (var t in largest.Concat(smallest)) t.Dispose();
    }

    [Fact]
    public void TopKMatchesASortOnManyValuesWithDuplicates()
    {
        var rng = new Random(7);
        var data = Enumerable.Range(0, 97).Select(_ => (long)rng.Next(20)).ToArray();
        using var x = L(data, 97);
        using var k = L([40], 1);
        var outs = OpHarness.Run("TopK", 17, 2, NoAttrs, In(x), Const(k));
        var expected = data.Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(40).ToArray();
        Assert.Equal(expected.Select(p => p.v).ToArray(), outs[0].ToArray<long>());
        Assert.Equal(expected.Select(p => (long)p.i).ToArray(), outs[1].ToArray<long>());
        foreach (var t in outs) t.Dispose();
    }

    [Fact]
    public void TopKKTooLargeFails()
    {
        using var x = Iota(3);
        using var k = L([4], 1);
        Fails("TopK", 17, NoAttrs, In(x), Const(k));
    }

    [Fact]
    public void NonZeroListsCoordinatesAndPlansDynamically()
    {
        using var x = F([0, 1, 2, 0, 0, 3], 2, 3);
        using var y = Run1("NonZero", NoAttrs, In(x));
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2 }, y.ToArray<long>());
    }

    [Fact]
    public void NonZeroNeedsTheValueToPlan()
    {
        var node = OpHarness.MakeNode("NonZero", 1, 1);
        var op = Bramble.Ops.OpRegistry.Create(node, 13);
        var ctx = new Bramble.Ops.InferContext(node, 13, [DataType.Float32], [[4]], [null]);
        Assert.Throws<Bramble.Ops.DynamicShapeException>(() => op.InferOutputs(ctx));
    }
}
