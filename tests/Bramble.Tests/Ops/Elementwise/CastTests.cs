using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

public class CastTests
{
    private static Tensor Cast(Tensor x, DataType to) => Run("Cast", x, A("to", (long)to));

    [Fact]
    public void FloatToIntegerTruncatesTowardZero()
    {
        using var y = Cast(F([1.9f, -1.9f, 0.5f, -0.5f, 1e10f], 5), DataType.Int32);
        Assert.Equal([1, -1, 0, 0, int.MaxValue], y.ToArray<int>());
        using var l = Cast(D([-2.5, 3e18], 2), DataType.Int64);
        Assert.Equal([-2L, 3_000_000_000_000_000_000], l.ToArray<long>());
    }

    [Fact]
    public void IntegersNarrowByWrapping()
    {
        using var y = Cast(I32([300, -1, 127, 128], 4), DataType.Int8);
        Assert.Equal(new sbyte[] { 44, -1, 127, -128 }, y.ToArray<sbyte>());
        using var u = Cast(I64([-1, 256], 2), DataType.UInt8);
        Assert.Equal(new byte[] { 255, 0 }, u.ToArray<byte>());
    }

    [Fact]
    public void BoolBothWays()
    {
        using var b = Cast(F([0, -0f, 2.5f, float.NaN], 4), DataType.Bool);
        Assert.Equal([false, false, true, true], Bools(b));
        using var f = Cast(B([true, false], 2), DataType.Float32);
        Assert.Equal([1f, 0], f.ToArray<float>());
        using var i = Cast(B([true, false], 2), DataType.Int64);
        Assert.Equal([1L, 0], i.ToArray<long>());
        using var bb = Cast(B([true], 1), DataType.Bool);
        Assert.Equal([true], Bools(bb));
    }

    [Fact]
    public void Float16RoundsToNearestEven()
    {
        // 1 + 2^-11 lies exactly between two halves (1 and 1 + 2^-10): ties to even gives 1.
        using var h = Cast(F([1 + MathF.Pow(2, -11), 65520, 0.1f], 3), DataType.Float16);
        var got = h.ToArray<Half>();
        Assert.Equal((Half)1, got[0]);
        Assert.True(Half.IsPositiveInfinity(got[1]));
        Assert.Equal((Half)0.1f, got[2]);
        using var back = Cast(h, DataType.Float32);
        Assert.Equal((float)(Half)0.1f, back.ToArray<float>()[2]);
        using var d = Cast(Tensor.FromArray(new[] { (Half)(-3.5f) }, 1), DataType.Int32);
        Assert.Equal([-3], d.ToArray<int>());
    }

    [Fact]
    public void Int64ToFloatAndDoubleToFloat()
    {
        using var f = Cast(I64([16_777_217, -3], 2), DataType.Float32);
        Assert.Equal([16_777_216f, -3], f.ToArray<float>());
        using var g = Cast(D([0.1, 1e300], 2), DataType.Float32);
        Assert.Equal([0.1f, float.PositiveInfinity], g.ToArray<float>());
    }

    [Fact]
    public void SameTypeCopiesAndKeepsShape()
    {
        using var y = Cast(F([1, 2, 3, 4], 2, 2), DataType.Float32);
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([1f, 2, 3, 4], y.ToArray<float>());
    }

    [Fact]
    public void CastLikeTakesTheSecondInputsType()
    {
        using var y = Run("CastLike", [F([2.7f], 1), I64([0], 1)]);
        Assert.Equal([2L], y.ToArray<long>());
    }

    [Fact]
    public void StringTargetIsUnsupported()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() => Cast(F([1], 1), DataType.String));
        Assert.Contains("n_cast", e.Message);
        Assert.Contains("string", e.Message);
    }

    [Fact]
    public void MissingToIsAnError()
    {
        Assert.Throws<ShapeException>(() => Run("Cast", F([1], 1)));
    }
}
