using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

public class BinaryArithmeticTests
{
    [Fact]
    public void AddSameShape()
    {
        using var y = Run("Add", [F([1, 2, 3], 3), F([10, 20, 30], 3)]);
        Assert.Equal([3], y.Shape);
        Assert.Equal([11f, 22, 33], y.ToArray<float>());
    }

    [Fact]
    public void AddBroadcasts213With41()
    {
        // a[i,0,k] + b[j,0] → y[i,j,k], shape [2,4,3].
        var a = new float[6];
        for (int i = 0; i < 6; i++) a[i] = i;           // a[i,0,k] = 3i + k
        var b = new float[] { 100, 200, 300, 400 };      // b[j,0]
        using var y = Run("Add", [F(a, 2, 1, 3), F(b, 4, 1)]);
        Assert.Equal([2, 4, 3], y.Shape);
        var got = y.ToArray<float>();
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
        for (int k = 0; k < 3; k++)
            Assert.Equal(3 * i + k + 100 * (j + 1), got[(i * 4 + j) * 3 + k]);
    }

    [Fact]
    public void SubWithScalarOnEitherSide()
    {
        using var left = Run("Sub", [F([5], []), F([1, 2, 3], 3)]);
        Assert.Equal([4f, 3, 2], left.ToArray<float>());
        using var right = Run("Sub", [F([1, 2, 3], 3), F([5], [])]);
        Assert.Equal([-4f, -3, -2], right.ToArray<float>());
        using var both = Run("Sub", [F([7], []), F([2], [])]);
        Assert.Empty(both.Shape);
        Assert.Equal([5f], both.ToArray<float>());
    }

    [Fact]
    public void MulBroadcastsMiddleDimension()
    {
        using var y = Run("Mul", [F([1, 2, 3, 4, 5, 6], 2, 3), F([10, 100], 2, 1)]);
        Assert.Equal([10f, 20, 30, 400, 500, 600], y.ToArray<float>());
    }

    [Fact]
    public void EmptyTensorsBroadcastToEmpty()
    {
        using var y = Run("Add", [F([], 0, 3), F([1, 2, 3], 3)]);
        Assert.Equal([0, 3], y.Shape);
        Assert.Equal(0, y.Length);
        using var z = Run("Mul", [F([], 2, 0), F([5], 1)]);
        Assert.Equal([2, 0], z.Shape);
    }

    [Fact]
    public void Int64ShapeArithmetic()
    {
        using var y = Run("Mul", [I64([2, 3, 224, 224], 4), I64([1, 1, 2, 2], 4)]);
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([2L, 3, 448, 448], y.ToArray<long>());
        using var d = Run("Div", [I64([7, -7, 9_000_000_000], 3), I64([2], 1)]);
        Assert.Equal([3L, -3, 4_500_000_000], d.ToArray<long>()); // truncation toward zero
    }

    [Fact]
    public void IntegerTypesStayExact()
    {
        using var y = Run("Add", [I32([int.MaxValue, 1], 2), I32([1, 2], 2)]);
        Assert.Equal([int.MinValue, 3], y.ToArray<int>()); // wraps like C
        using var u = Run("Sub", [Tensor.FromArray(new byte[] { 1, 200 }, 2), Tensor.FromArray(new byte[] { 2, 100 }, 2)]);
        Assert.Equal(new byte[] { 255, 100 }, u.ToArray<byte>());
        using var s = Run("Mul", [Tensor.FromArray(new sbyte[] { -3, 100 }, 2), Tensor.FromArray(new sbyte[] { 5, 2 }, 2)]);
        Assert.Equal(new sbyte[] { -15, -56 }, s.ToArray<sbyte>());
    }

    [Fact]
    public void DoubleAndHalf()
    {
        using var d = Run("Div", [D([1, 2], 2), D([3], 1)]);
        Assert.Equal([1.0 / 3, 2.0 / 3], d.ToArray<double>());
        using var h = Run("Add", [Tensor.FromArray(new[] { (Half)1.5f, (Half)(-2f) }, 2), Tensor.FromArray(new[] { (Half)0.25f }, 1)]);
        Assert.Equal(DataType.Float16, h.Type);
        Assert.Equal(new[] { (Half)1.75f, (Half)(-1.75f) }, h.ToArray<Half>());
    }

    [Fact]
    public void FloatDivisionByZeroIsInfinity()
    {
        using var y = Run("Div", [F([1, -1, 0], 3), F([0], 1)]);
        var got = y.ToArray<float>();
        Assert.Equal(float.PositiveInfinity, got[0]);
        Assert.Equal(float.NegativeInfinity, got[1]);
        Assert.True(float.IsNaN(got[2]));
    }

    [Fact]
    public void IntegerDivisionByZeroIsABrambleError()
    {
        var e = Assert.ThrowsAny<BrambleException>(() => Run("Div", [I32([1], 1), I32([0], 1)]));
        Assert.Contains("n_div", e.Message);
    }

    [Fact]
    public void IncompatibleShapesAreAOneLineError()
    {
        var e = Assert.Throws<ShapeException>(() => Run("Add", [F([1, 2, 3], 3), F([1, 2], 2)]));
        Assert.Contains("n_add", e.Message);
        Assert.Contains("[3]", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void MixedTypesAreRejected()
    {
        Assert.Throws<ShapeException>(() => Run("Add", [F([1], 1), I64([1], 1)]));
    }

    [Fact]
    public void UnsupportedTypeNamesOpAndNode()
    {
        using var a = Tensor.Allocate(DataType.Bool, 2);
        var e = Assert.Throws<UnsupportedOperatorException>(() => Run("Add", [a, a]));
        Assert.Contains("Add", e.Message);
        Assert.Contains("n_add", e.Message);
        Assert.Contains("bool", e.Message);
    }

    [Fact]
    public void ModIntegerTakesDivisorSign()
    {
        using var y = Run("Mod", [I32([-4, 7, 5, -5, 0], 5), I32([3, -3, 3, -3, 2], 5)]);
        Assert.Equal([2, -2, 2, -2, 0], y.ToArray<int>());
    }

    [Fact]
    public void ModFmodTakesDividendSign()
    {
        using var y = Run("Mod", [F([-4, 7, 5.5f], 3), F([3, -3, 2], 3)], 17, A("fmod", 1L));
        Assert.Equal([-1f, 1, 1.5f], y.ToArray<float>());
        using var i = Run("Mod", [I64([-4, 7], 2), I64([3, -3], 2)], 17, A("fmod", 1L));
        Assert.Equal([-1L, 1], i.ToArray<long>());
    }

    [Fact]
    public void ModOnFloatsWithoutFmodIsAnError()
    {
        Assert.Throws<ShapeException>(() => Run("Mod", [F([1], 1), F([1], 1)]));
    }

    [Fact]
    public void PowBroadcastsAndMixesTypes()
    {
        using var y = Run("Pow", [F([1, 2, 3, 4], 2, 2), F([2, 0.5f], 2)]);
        Close([1, MathF.Sqrt(2), 9, 2], y);
        using var z = Run("Pow", [F([2, -2], 2), I64([3], 1)]);
        Assert.Equal([8f, -8], z.ToArray<float>());
        using var w = Run("Pow", [I32([2, 3], 2), F([2f, -1f], 2)]);
        Assert.Equal(DataType.Int32, w.Type);
        Assert.Equal([4, 0], w.ToArray<int>());
    }

    [Fact]
    public void PReluBroadcastsSlopeOverChannels()
    {
        using var y = Run("PRelu", [F([-1, 2, -3, 4, -5, 6], 1, 3, 2), F([0.1f, 0.2f, 0.3f], 3, 1)]);
        Close([-0.1f, 2, -0.6f, 4, -1.5f, 6], y);
    }

    [Fact]
    public void PReluOpset6AppliesA1DSlopeAlongChannels()
    {
        using var x = F([-1, -1, -1, -1, 2, 2], 1, 3, 2);
        using var y = Run("PRelu", [x, F([0.1f, 0.2f, 0.3f], 3)], 6);
        Close([-0.1f, -0.1f, -0.2f, -0.2f, 2, 2], y);
        // From opset 7 the same slope broadcasts numpy-style against the last axis, which does not fit.
        Assert.Throws<ShapeException>(() => Run("PRelu", [x, F([0.1f, 0.2f, 0.3f], 3)], 7));
    }

    [Fact]
    public void PReluSlopeMustNotGrowTheInput()
    {
        Assert.Throws<ShapeException>(() => Run("PRelu", [F([1, 2], 2), F([1, 2, 3, 4], 2, 2)]));
    }

    [Fact]
    public void RunsThroughASession()
    {
        using var a = F([1, 2, 3, 4, 5, 6], 2, 1, 3);
        using var b = F([10, 20, 30, 40], 4, 1);
        using var y = RunSession("Add", [a, b], DataType.Float32);
        Assert.Equal([2, 4, 3], y.Shape);
        Assert.Equal(11f, y.ToArray<float>()[0]);
        Assert.Equal(46f, y.ToArray<float>()[23]);
    }
}
