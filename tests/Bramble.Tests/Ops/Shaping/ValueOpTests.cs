using Bramble.Tensors;
using static Bramble.Tests.Ops.Shaping.OpHarness;

namespace Bramble.Tests.Ops.Shaping;

public class ValueOpTests
{
    [Fact]
    public void ShapeWithStartAndEnd()
    {
        using var x = Iota(2, 3, 4, 5);
        using var all = Run1("Shape", NoAttrs, In(x));
        Assert.Equal(new long[] { 2, 3, 4, 5 }, all.ToArray<long>());
        using var part = Run1("Shape", [A("start", 1), A("end", -1)], In(x));
        Assert.Equal(new long[] { 3, 4 }, part.ToArray<long>());
        using var clipped = Run1("Shape", [A("start", -10), A("end", 10)], In(x));
        Assert.Equal(new long[] { 2, 3, 4, 5 }, clipped.ToArray<long>());
    }

    [Fact]
    public void ShapeOfScalarIsEmpty()
    {
        using var x = Tensor.Scalar(1f);
        using var y = Run1("Shape", NoAttrs, In(x));
        Assert.Equal([0], y.Shape);
    }

    [Fact]
    public void SizeCountsElements()
    {
        using var x = L(new long[6], 2, 3);
        using var y = Run1("Size", NoAttrs, In(x));
        Assert.Empty(y.Shape);
        Assert.Equal(6L, y.GetInt64(0));
    }

    [Fact]
    public void ConstantForms()
    {
        using var t = L([1, 2], 2);
        using var a = Run1("Constant", [Bramble.Graph.Attribute.Of("value", t)]);
        Assert.Equal(new long[] { 1, 2 }, a.ToArray<long>());
        using var b = Run1("Constant", [A("value_float", 2.5f)]);
        Assert.Empty(b.Shape);
        Assert.Equal(2.5f, b.ToArray<float>()[0]);
        using var c = Run1("Constant", [A("value_ints", 4L, 5L)]);
        Assert.Equal(new long[] { 4, 5 }, c.ToArray<long>());
    }

    [Fact]
    public void ConstantStringIsUnsupported()
    {
        var node = OpHarness.MakeNode("Constant", 0, 1, A("value_string", "hi"));
        Assert.Throws<UnsupportedOperatorException>(() => Bramble.Ops.OpRegistry.Create(node, 17));
    }

    [Fact]
    public void ConstantOfShapeDefaultAndInt64Value()
    {
        using var shape = L([2, 3], 2);
        using var zeros = Run1("ConstantOfShape", NoAttrs, In(shape));
        Assert.Equal(DataType.Float32, zeros.Type);
        Assert.Equal(new float[6], zeros.ToArray<float>());
        using var seven = L([7], 1);
        using var y = Run1("ConstantOfShape", [Bramble.Graph.Attribute.Of("value", seven)], Const(shape));
        Assert.Equal(Enumerable.Repeat(7L, 6).ToArray(), y.ToArray<long>());
    }

    [Fact]
    public void ConstantOfShapeZeroDimIsEmpty()
    {
        using var shape = L([0], 1);
        using var y = Run1("ConstantOfShape", NoAttrs, Const(shape));
        Assert.Equal([0], y.Shape);
    }

    [Fact]
    public void HugeRequestedShapeIsAOneLineErrorNotAnAllocation()
    {
        using var shape = L([100000, 100000, 100000], 3);
        Assert.Contains("more than", Fails("ConstantOfShape", 17, NoAttrs, Const(shape)).Message);
        using var x = Iota(2);
        using var repeats = L([int.MaxValue], 1);
        Fails("Tile", 17, NoAttrs, In(x), Const(repeats));
    }

    [Fact]
    public void RangeFloatAndNegativeIntDelta()
    {
        using var s = Tensor.Scalar(1f);
        using var l = Tensor.Scalar(2f);
        using var d = Tensor.Scalar(0.3f);
        using var y = Run1("Range", NoAttrs, Const(s), Const(l), Const(d));
        Assert.Equal(4, y.Length);
        Assert.Equal(1.9f, y.ToArray<float>()[3], 5);
        using var si = Tensor.Scalar(10);
        using var li = Tensor.Scalar(4);
        using var di = Tensor.Scalar(-3);
        using var yi = Run1("Range", NoAttrs, In(si), In(li), In(di));
        Assert.Equal(new int[] { 10, 7 }, yi.ToArray<int>());
    }

    [Fact]
    public void RangeEmptyWhenDirectionIsWrong()
    {
        using var s = Tensor.Scalar(5L);
        using var l = Tensor.Scalar(1L);
        using var d = Tensor.Scalar(2L);
        using var y = Run1("Range", NoAttrs, Const(s), Const(l), Const(d));
        Assert.Equal([0], y.Shape);
    }

    [Fact]
    public void CumSumExclusiveReverseAndNegativeAxis()
    {
        using var x = F([1, 2, 3, 4, 5, 6], 2, 3);
        using var axis = Tensor.Scalar(-1);
        using var plain = Run1("CumSum", NoAttrs, In(x), Const(axis));
        Assert.Equal(new float[] { 1, 3, 6, 4, 9, 15 }, plain.ToArray<float>());
        using var both = Run1("CumSum", [A("exclusive", 1), A("reverse", 1)], In(x), In(axis));
        Assert.Equal(new float[] { 5, 3, 0, 11, 6, 0 }, both.ToArray<float>());
        using var xi = L([1, 2, 3, 4], 2, 2);
        using var axis0 = Tensor.Scalar(0L);
        using var rows = Run1("CumSum", NoAttrs, In(xi), Const(axis0));
        Assert.Equal(new long[] { 1, 2, 4, 6 }, rows.ToArray<long>());
    }
}
