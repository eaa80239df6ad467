using Bramble.Tensors;
using static Bramble.Tests.Ops.Shaping.OpHarness;

namespace Bramble.Tests.Ops.Shaping;

public class LayoutOpTests
{
    [Fact]
    public void TransposeDefaultReversesAxes()
    {
        using var x = Iota(2, 3);
        using var y = Run1("Transpose", NoAttrs, In(x));
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, y.ToArray<float>());
    }

    [Fact]
    public void TransposeInt64With3dPerm()
    {
        using var x = L(Enumerable.Range(0, 24).Select(i => (long)i).ToArray(), 2, 3, 4);
        using var y = Run1("Transpose", [A("perm", 1L, 2L, 0L)], In(x));
        Assert.Equal([3, 4, 2], y.Shape);
        // y[c][d][a] = x[a][c][d] = a*12 + c*4 + d
        for (int c = 0; c < 3; c++)
            for (int d = 0; d < 4; d++)
                for (int a = 0; a < 2; a++)
                    Assert.Equal(a * 12 + c * 4 + d, y.GetInt64(c * 8 + d * 2 + a));
    }

    [Fact]
    public void TransposeBadPermFails()
    {
        using var x = Iota(2, 3);
        Fails("Transpose", 17, [A("perm", 0L, 0L)], In(x));
    }

    [Fact]
    public void SliceWithStepsAndNegativeIndices()
    {
        using var x = Iota(3, 4);
        using var starts = L([0, -1], 2);
        using var ends = L([long.MaxValue, -5], 2);
        using var axes = L([0, 1], 2);
        using var steps = L([2, -2], 2);
        using var y = Run1("Slice", NoAttrs, In(x), Const(starts), Const(ends), Const(axes), Const(steps));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal(new float[] { 3, 1, 11, 9 }, y.ToArray<float>());
    }

    [Fact]
    public void SliceClampsAndDefaultsAxes()
    {
        using var x = Iota(5);
        using var starts = L([-100], 1);
        using var ends = L([3], 1);
        using var y = Run1("Slice", NoAttrs, In(x), Const(starts), Const(ends));
        Assert.Equal(new float[] { 0, 1, 2 }, y.ToArray<float>());
    }

    [Fact]
    public void SliceFullReverseWithIntMinEnd()
    {
        using var x = L([1, 2, 3, 4], 4);
        using var starts = L([-1], 1);
        using var ends = L([long.MinValue], 1);
        using var axes = L([0], 1);
        using var steps = L([-1], 1);
        using var y = Run1("Slice", NoAttrs, In(x), Const(starts), Const(ends), Const(axes), Const(steps));
        Assert.Equal(new long[] { 4, 3, 2, 1 }, y.ToArray<long>());
    }

    [Fact]
    public void SliceEmptyResult()
    {
        using var x = Iota(2, 3);
        using var starts = L([2], 1);
        using var ends = L([1], 1);
        using var axes = L([-1], 1);
        using var y = Run1("Slice", NoAttrs, In(x), Const(starts), Const(ends), Const(axes));
        Assert.Equal([2, 0], y.Shape);
    }

    [Fact]
    public void SliceOpset9UsesAttributes()
    {
        using var x = Iota(3, 4);
        using var y = Run1("Slice", 9, [A("starts", [1L]), A("ends", [3L]), A("axes", [1L])], In(x));
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10 }, y.ToArray<float>());
    }

    [Fact]
    public void SliceZeroStepFails()
    {
        using var x = Iota(3);
        using var s = L([0], 1);
        using var e = L([3], 1);
        using var a = L([0], 1);
        using var st = L([0], 1);
        Fails("Slice", 17, NoAttrs, In(x), Const(s), Const(e), Const(a), Const(st));
    }

    [Fact]
    public void ConcatNegativeAxisWithEmptyInput()
    {
        using var a = Iota(2, 2);
        using var b = Tensor.Allocate(DataType.Float32, 2, 0);
        using var c = F([10, 11], 2, 1);
        using var y = Run1("Concat", [A("axis", -1)], In(a), In(b), In(c));
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal(new float[] { 0, 1, 10, 2, 3, 11 }, y.ToArray<float>());
    }

    [Fact]
    public void ConcatInt64Axis0()
    {
        using var a = L([1, 2], 2);
        using var b = L([3], 1);
        using var y = Run1("Concat", [A("axis", 0)], Const(a), In(b));
        Assert.Equal(new long[] { 1, 2, 3 }, y.ToArray<long>());
    }

    [Fact]
    public void ConcatMismatchFails()
    {
        using var a = Iota(2, 2);
        using var b = Iota(3, 2);
        Fails("Concat", 17, [A("axis", 1)], In(a), In(b));
    }

    [Fact]
    public void SplitEqualDefault()
    {
        using var x = Iota(2, 4);
        var outs = OpHarness.Run("Split", 17, 2, [A("axis", 1)], In(x));
        Assert.Equal(new float[] { 0, 1, 4, 5 }, outs[0].ToArray<float>());
        Assert.Equal(new float[] { 2, 3, 6, 7 }, outs[1].ToArray<float>());
        foreach (var t in outs) t.Dispose();
    }

    [Fact]
    public void SplitSizesFromInputAndAttribute()
    {
        using var x = L([1, 2, 3, 4, 5, 6], 6);
        using var split = L([1, 0, 5], 3);
        var a = OpHarness.Run("Split", 13, 3, NoAttrs, In(x), Const(split));
        var b = OpHarness.Run("Split", 11, 3, [A("split", 1L, 0L, 5L)], In(x));
        for (int i = 0; i < 3; i++) Assert.Equal(a[i].ToArray<long>(), b[i].ToArray<long>());
        Assert.Equal(new long[] { 1 }, a[0].ToArray<long>());
        Assert.Empty(a[1].ToArray<long>());
        Assert.Equal(new long[] { 2, 3, 4, 5, 6 }, a[2].ToArray<long>());
        foreach (var t in a.Concat(b)) t.Dispose();
    }

    [Fact]
    public void SplitNumOutputsGivesSmallerLastPart()
    {
        using var x = Iota(5);
        var outs = OpHarness.Run("Split", 18, 2, [A("num_outputs", 2)], In(x));
        Assert.Equal(new float[] { 0, 1, 2 }, outs[0].ToArray<float>());
        Assert.Equal(new float[] { 3, 4 }, outs[1].ToArray<float>());
        foreach (var t in outs) t.Dispose();
    }

    [Fact]
    public void SplitUnevenWithoutSizesFails()
    {
        using var x = Iota(5);
        var node = OpHarness.MakeNode("Split", 1, 2);
        var op = Bramble.Ops.OpRegistry.Create(node, 13);
        var ctx = new Bramble.Ops.InferContext(node, 13, [DataType.Float32], [[5]], [null]);
        Assert.Throws<ShapeException>(() => op.InferOutputs(ctx));
    }

    [Fact]
    public void ExpandBroadcastsBothWays()
    {
        using var x = F([1, 2, 3], 3, 1);
        using var shape = L([2, 1, 2], 3);
        using var y = Run1("Expand", NoAttrs, In(x), Const(shape));
        Assert.Equal([2, 3, 2], y.Shape);
        Assert.Equal(new float[] { 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3 }, y.ToArray<float>());
    }

    [Fact]
    public void ExpandIncompatibleFails()
    {
        using var x = Iota(3);
        using var shape = L([4], 1);
        Fails("Expand", 17, NoAttrs, In(x), Const(shape));
    }

    [Fact]
    public void TileRepeatsEachAxis()
    {
        using var x = L([1, 2, 3, 4], 2, 2);
        using var repeats = L([2, 3], 2);
        using var y = Run1("Tile", NoAttrs, In(x), Const(repeats));
        Assert.Equal([4, 6], y.Shape);
        Assert.Equal(new long[] { 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4 }, y.ToArray<long>());
    }

    [Fact]
    public void TileWithZeroRepeatIsEmpty()
    {
        using var x = Iota(2);
        using var repeats = L([0], 1);
        using var y = Run1("Tile", NoAttrs, In(x), Const(repeats));
        Assert.Equal([0], y.Shape);
    }

    [Fact]
    public void TriluUpperAndLowerWithK()
    {
        using var x = Iota(3, 3);
        using var k = Tensor.Scalar(1L);
        using var upper = Run1("Trilu", NoAttrs, In(x), Const(k));
        Assert.Equal(new float[] { 0, 1, 2, 0, 0, 5, 0, 0, 0 }, upper.ToArray<float>());
        using var lower = Run1("Trilu", [A("upper", 0)], In(x));
        Assert.Equal(new float[] { 0, 0, 0, 3, 4, 0, 6, 7, 8 }, lower.ToArray<float>());
    }

    [Fact]
    public void TriluBatchedInt64NegativeK()
    {
        using var x = L(Enumerable.Range(1, 8).Select(i => (long)i).ToArray(), 2, 2, 2);
        using var k = Tensor.Scalar(-1L);
        using var y = Run1("Trilu", [A("upper", 0)], In(x), In(k));
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0, 7, 0 }, y.ToArray<long>());
    }
}
