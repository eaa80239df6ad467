using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

public class VariadicTests
{
    [Fact]
    public void SumOfThreeBroadcastInputs()
    {
        // [3] + [3] + [2,3]: the first two alone have a smaller shape than the result.
        using var y = Run("Sum", [F([1, 2, 3], 3), F([10, 20, 30], 3), F([100, 200, 300, 400, 500, 600], 2, 3)]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([111f, 222, 333, 411, 522, 633], y.ToArray<float>());
    }

    [Fact]
    public void SingleInputIsCopied()
    {
        using var y = Run("Max", [I64([3, -1], 2)]);
        Assert.Equal([3L, -1], y.ToArray<long>());
    }

    [Fact]
    public void MaxMinPropagateNaNAndBroadcast()
    {
        using var mx = Run("Max", [F([1, float.NaN, 5], 3), F([2], [])]);
        Close([2, float.NaN, 5], mx);
        using var mn = Run("Min", [I32([1, 9, 5], 3), I32([4], 1), I32([3, 3, 3], 1, 3)]);
        Assert.Equal([1, 3], mn.Shape);
        Assert.Equal([1, 3, 3], mn.ToArray<int>());
        using var u = Run("Max", [Tensor.FromArray(new ulong[] { ulong.MaxValue, 1 }, 2), Tensor.FromArray(new ulong[] { 2, 2 }, 2)]);
        Assert.Equal(new ulong[] { ulong.MaxValue, 2 }, u.ToArray<ulong>());
    }

    [Fact]
    public void MeanDividesByInputCount()
    {
        using var y = Run("Mean", [F([1, 2], 2), F([3, 4], 2), F([5], 1)]);
        Close([3, 11f / 3], y);
        Assert.Throws<UnsupportedOperatorException>(() => Run("Mean", [I32([1], 1), I32([1], 1)]));
    }
}

public class ComparisonTests
{
    [Fact]
    public void ComparisonsBroadcastToBool()
    {
        using var a = F([1, 2, 3, 4, 5, 6], 2, 3);
        using var b = F([2, 5, 3], 3);
        Assert.Equal([false, false, true, false, true, false], Bools(Run("Equal", [a, b])));
        Assert.Equal([true, true, false, false, false, false], Bools(Run("Less", [a, b])));
        Assert.Equal([false, false, false, true, false, true], Bools(Run("Greater", [a, b])));
        Assert.Equal([true, true, true, false, true, false], Bools(Run("LessOrEqual", [a, b])));
        Assert.Equal([false, false, true, true, true, true], Bools(Run("GreaterOrEqual", [a, b])));
    }

    [Fact]
    public void ComparesInt64AndBool()
    {
        using var y = Run("Greater", [I64([long.MaxValue, -1], 2), I64([long.MaxValue - 1], [])]);
        Assert.Equal([true, false], Bools(y));
        using var e = Run("Equal", [B([true, false], 2), B([true], 1)]);
        Assert.Equal([true, false], Bools(e));
    }

    [Fact]
    public void NaNComparesUnequal()
    {
        using var y = Run("Equal", [F([float.NaN], 1), F([float.NaN], 1)]);
        Assert.Equal([false], Bools(y));
    }
}

public class LogicTests
{
    [Fact]
    public void AndOrXorBroadcast()
    {
        using var a = B([true, true, false, false], 2, 2);
        using var b = B([true, false], 2);
        Assert.Equal([true, false, false, false], Bools(Run("And", [a, b])));
        Assert.Equal([true, true, true, false], Bools(Run("Or", [a, b])));
        Assert.Equal([false, true, true, false], Bools(Run("Xor", [a, b])));
        Assert.Equal([false, false, true, true], Bools(Run("Not", a)));
    }

    [Fact]
    public void LogicRequiresBool()
    {
        Assert.Throws<UnsupportedOperatorException>(() => Run("And", [F([1], 1), F([1], 1)]));
    }

    [Fact]
    public void WhereBroadcastsAllThreeInputs()
    {
        using var c = B([true, false], 2, 1);
        using var y = Run("Where", [c, F([1, 2, 3], 3), F([-1], [])]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([1f, 2, 3, -1, -1, -1], y.ToArray<float>());
        using var l = Run("Where", [B([false, true], 2), I64([1, 2], 2), I64([7, 8], 2)]);
        Assert.Equal([7L, 2], l.ToArray<long>());
        using var h = Run("Where", [B([true], []), Tensor.FromArray(new[] { (Half)1 }, []), Tensor.FromArray(new[] { (Half)2 }, [])]);
        Assert.Equal((Half)1, h.ToArray<Half>()[0]);
    }

    [Fact]
    public void WhereRejectsMismatchedBranches()
    {
        Assert.Throws<ShapeException>(() => Run("Where", [B([true], 1), F([1], 1), I64([1], 1)]));
        Assert.Throws<UnsupportedOperatorException>(() => Run("Where", [F([1], 1), F([1], 1), F([1], 1)]));
    }

    [Fact]
    public void IsNaNAndIsInf()
    {
        using var x = F([float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1], 4);
        Assert.Equal([true, false, false, false], Bools(Run("IsNaN", x)));
        Assert.Equal([false, true, true, false], Bools(Run("IsInf", x)));
        Assert.Equal([false, true, false, false], Bools(Run("IsInf", x, A("detect_negative", 0L))));
        Assert.Equal([false, false, true, false], Bools(Run("IsInf", x, A("detect_positive", 0L))));
    }
}
