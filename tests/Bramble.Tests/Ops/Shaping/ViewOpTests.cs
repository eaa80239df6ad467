using Bramble.Tensors;
using static Bramble.Tests.Ops.Shaping.OpHarness;

namespace Bramble.Tests.Ops.Shaping;

public class ViewOpTests
{
    [Fact]
    public void ReshapeCopiesZeroDimsAndInfersMinusOne()
    {
        using var x = Iota(2, 3, 4);
        using var shape = L([0, -1], 2);
        using var y = Run1("Reshape", NoAttrs, In(x), Const(shape));
        Assert.Equal([2, 12], y.Shape);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void ReshapeInt64ToScalar()
    {
        using var x = L([42], 1, 1);
        using var shape = Tensor.Allocate(DataType.Int64, 0);
        using var y = Run1("Reshape", NoAttrs, In(x), Const(shape));
        Assert.Empty(y.Shape);
        Assert.Equal(42L, y.GetInt64(0));
    }

    [Fact]
    public void ReshapeAllowZeroMakesAnEmptyDimension()
    {
        using var x = Tensor.Allocate(DataType.Float32, 0, 3);
        using var shape = L([3, 0], 2);
        using var y = Run1("Reshape", 14, [A("allowzero", 1)], In(x), Const(shape));
        Assert.Equal([3, 0], y.Shape);
    }

    [Fact]
    public void ReshapeMismatchNamesBothShapes()
    {
        using var x = Iota(2, 3);
        using var shape = L([4, 2], 2);
        var e = Fails("Reshape", 17, NoAttrs, In(x), Const(shape));
        Assert.Contains("[2x3]", e.Message);
        Assert.Contains("[4x2]", e.Message);
    }

    [Fact]
    public void ReshapeRejectsTwoMinusOnes()
    {
        using var x = Iota(2, 3);
        using var shape = L([-1, -1], 2);
        Fails("Reshape", 17, NoAttrs, In(x), Const(shape));
    }

    [Fact]
    public void ReshapeWithRuntimeShapeRunsDynamically()
    {
        using var x = Iota(2, 3);
        using var shape = L([3, 2], 2);
        using var y = Run1("Reshape", NoAttrs, In(x), In(shape));
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
    }

    [Theory]
    [InlineData(0, 1, 24)]
    [InlineData(1, 2, 12)]
    [InlineData(3, 24, 1)]
    [InlineData(-1, 6, 4)]
    [InlineData(-3, 1, 24)]
    public void FlattenSplitsAtAxis(long axis, int outer, int inner)
    {
        using var x = Iota(2, 3, 4);
        using var y = Run1("Flatten", [A("axis", axis)], In(x));
        Assert.Equal([outer, inner], y.Shape);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void FlattenAxisOutOfRangeFails() 
    {
        using var x = Iota(2, 3);
        Fails("Flatten", 17, [A("axis", 3)], In(x));
    }

    [Fact]
    public void SqueezeAxesFromInputWithNegativeAxis()
    {
        using var x = Iota(1, 3, 1, 2);
        using var axes = L([-2], 1);
        using var y = Run1("Squeeze", NoAttrs, In(x), Const(axes));
        Assert.Equal([1, 3, 2], y.Shape);
    }

    [Fact]
    public void SqueezeAxesFromAttributeBeforeOpset13()
    {
        using var x = Iota(1, 3, 1);
        using var y = Run1("Squeeze", 11, [A("axes", 0L, 2L)], In(x));
        Assert.Equal([3], y.Shape);
    }

    [Fact]
    public void SqueezeWithoutAxesRemovesAllOnes()
    {
        using var x = L([7], 1, 1, 1);
        using var y = Run1("Squeeze", NoAttrs, In(x));
        Assert.Empty(y.Shape);
        Assert.Equal(7L, y.GetInt64(0));
    }

    [Fact]
    public void SqueezeOfNonUnitAxisFails()
    {
        using var x = Iota(2, 3);
        using var axes = L([0], 1);
        Assert.Contains("size is 2", Fails("Squeeze", 17, NoAttrs, In(x), Const(axes)).Message);
    }

    [Fact]
    public void UnsqueezeAxesRelativeToOutputRank()
    {
        using var x = Iota(3, 4);
        using var axes = L([-1, 0], 2);
        using var y = Run1("Unsqueeze", NoAttrs, In(x), Const(axes));
        Assert.Equal([1, 3, 4, 1], y.Shape);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void UnsqueezeScalarWithAttributeAxes()
    {
        using var x = Tensor.Scalar(5L);
        using var y = Run1("Unsqueeze", 11, [A("axes", [0L])], In(x));
        Assert.Equal([1], y.Shape);
        Assert.Equal(5L, y.GetInt64(0));
    }

    [Fact]
    public void UnsqueezeDuplicateAxisFails()
    {
        using var x = Iota(3);
        using var axes = L([0, -3], 2);
        Fails("Unsqueeze", 17, NoAttrs, In(x), Const(axes));
    }

    [Fact]
    public void IdentityKeepsBoolBytes()
    {
        using var x = Tensor.FromArray(new bool[] { true, false, true }, 3);
        using var y = Run1("Identity", NoAttrs, In(x));
        Assert.Equal(new bool[] { true, false, true }, y.ToArray<bool>());
    }

    [Fact]
    public void DropoutPassesThroughAndMaskIsTrue()
    {
        using var x = F([1, -2, 3], 3);
        var outs = OpHarness.Run("Dropout", 13, 2, NoAttrs, In(x));
        Assert.Equal(new float[] { 1, -2, 3 }, outs[0].ToArray<float>());
        Assert.Equal(DataType.Bool, outs[1].Type);
        Assert.Equal(new bool[] { true, true, true }, outs[1].ToArray<bool>());
        foreach (var t in outs) t.Dispose();
    }

    [Fact]
    public void DropoutIsAViewOnlyWithoutMask()
    {
        var plain = OpHarness.MakeNode("Dropout", 1, 1);
        var masked = OpHarness.MakeNode("Dropout", 1, 2);
        Assert.True(Bramble.Ops.OpRegistry.Create(plain, 13).IsView);
        Assert.False(Bramble.Ops.OpRegistry.Create(masked, 13).IsView);
    }

    [Fact]
    public void TrainingDropoutWithNonZeroRatioIsUnsupported()
    {
        using var x = F([1, 2], 2);
        using var ratio = Tensor.Scalar(0.5f);
        using var training = Tensor.Scalar(true);
        Assert.Throws<UnsupportedOperatorException>(() => Run1("Dropout", NoAttrs, In(x), Const(ratio), Const(training)));
    }
}
