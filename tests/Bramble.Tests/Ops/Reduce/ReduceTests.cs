using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Reduce;

public class ReduceTests
{
    // x[i,j,k] = 1 + 6i + 3j + k over shape [2,2,3]: 1..12.
    private static Tensor X() => F(Enumerable.Range(1, 12).Select(v => (float)v).ToArray(), 2, 2, 3);

    [Fact]
    public void ReduceSumOpset13TakesAxesInput()
    {
        using var y = Run("ReduceSum", [X(), I64([1], 1)], 13);
        Assert.Equal([2, 1, 3], y.Shape);
        Assert.Equal([5f, 7, 9, 17, 19, 21], y.ToArray<float>());
    }

    [Fact]
    public void ReduceSumOpset11TakesAxesAttribute()
    {
        using var y = Run("ReduceSum", [X()], 11, A("axes", new long[] { 0, 2 }), A("keepdims", 0L));
        Assert.Equal([2], y.Shape);
        Assert.Equal([1f + 2 + 3 + 7 + 8 + 9, 4f + 5 + 6 + 10 + 11 + 12], y.ToArray<float>());
    }

    [Fact]
    public void NoAxesReducesEverythingUnlessNoop()
    {
        using var all = Run("ReduceSum", [X()], 13);
        Assert.Equal([1, 1, 1], all.Shape);
        Assert.Equal([78f], all.ToArray<float>());
        using var empty = Run("ReduceSum", [X(), I64([], 0)], 13, A("keepdims", 0L));
        Assert.Empty(empty.Shape);
        Assert.Equal([78f], empty.ToArray<float>());
        using var noop = Run("ReduceSum", [X(), I64([], 0)], 13, A("noop_with_empty_axes", 1L));
        Assert.Equal([2, 2, 3], noop.Shape);
        Assert.Equal(Enumerable.Range(1, 12).Select(v => (float)v).ToArray(), noop.ToArray<float>());
    }

    [Fact]
    public void NegativeAxes()
    {
        using var y = Run("ReduceMax", [X()], 13, A("axes", new long[] { -1 }));
        Assert.Equal([2, 2, 1], y.Shape);
        Assert.Equal([3f, 6, 9, 12], y.ToArray<float>());
    }

    [Fact]
    public void Opset18ReadsAxesFromInputForEveryReduce()
    {
        using var y = Run("ReduceMean", [X(), I64([-2], 1)], 18, A("keepdims", 0L));
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([2.5f, 3.5f, 4.5f, 8.5f, 9.5f, 10.5f], y.ToArray<float>());
    }

    [Theory]
    [InlineData("ReduceMean", new float[] { 2, 5 })]
    [InlineData("ReduceMax", new float[] { 3, 6 })]
    [InlineData("ReduceMin", new float[] { 1, 4 })]
    [InlineData("ReduceProd", new float[] { 6, 120 })]
    [InlineData("ReduceL1", new float[] { 6, 15 })]
    [InlineData("ReduceSumSquare", new float[] { 14, 77 })]
    public void EachReductionOnRows(string op, float[] expected)
    {
        using var y = Run(op, [F([1, -2, 3, 4, 5, 6], 2, 3)], 13, A("axes", new long[] { 1 }), A("keepdims", 0L));
        if (op is "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceProd")
        {
            // Signs matter for these: recompute from the actual data.
            float[] row0 = [1, -2, 3], row1 = [4, 5, 6];
            expected = op switch
            {
                "ReduceMean" => [row0.Average(), row1.Average()],
                "ReduceMax" => [row0.Max(), row1.Max()],
                "ReduceMin" => [row0.Min(), row1.Min()],
                _ => [row0.Aggregate(1f, (a, b) => a * b), row1.Aggregate(1f, (a, b) => a * b)],
            };
        }
        Close(expected, y, 1e-6);
    }

    [Fact]
    public void L2LogSumLogSumExp()
    {
        using var l2 = Run("ReduceL2", [F([3, 4, 6, 8], 2, 2)], 13, A("axes", new long[] { 1 }));
        Close([5, 10], l2);
        using var ls = Run("ReduceLogSum", [F([1, 2, 3, 4], 2, 2)], 13, A("axes", new long[] { 0 }));
        Close([MathF.Log(4), MathF.Log(6)], ls);
        using var lse = Run("ReduceLogSumExp", [F([1000, 1000, 1, 2], 2, 2)], 13, A("axes", new long[] { 1 }), A("keepdims", 0L));
        Close([1000 + MathF.Log(2), (float)Math.Log(Math.Exp(1) + Math.Exp(2))], lse, 1e-6);
    }

    [Fact]
    public void IntegerReductionsAreExact()
    {
        using var s = Run("ReduceSum", [I64([long.MaxValue - 10, 3, 4], 3), I64([0], 1)], 13);
        Assert.Equal([long.MaxValue - 3], s.ToArray<long>());
        using var p = Run("ReduceProd", [I64([1, 3, 224, 224], 4)], 13, A("keepdims", 0L));
        Assert.Equal([3L * 224 * 224], p.ToArray<long>());
        using var m = Run("ReduceMean", [I32([1, 2, 4], 3)], 13);
        Assert.Equal([2], m.ToArray<int>()); // 7 / 3 truncates
        using var mx = Run("ReduceMax", [Tensor.FromArray(new byte[] { 3, 250, 7 }, 3)], 13);
        Assert.Equal(new byte[] { 250 }, mx.ToArray<byte>());
    }

    [Fact]
    public void EmptyReductions()
    {
        using var x = F([], 2, 0);
        using var sum = Run("ReduceSum", [x, I64([1], 1)], 13);
        Assert.Equal([2, 1], sum.Shape);
        Assert.Equal([0f, 0], sum.ToArray<float>());
        using var prod = Run("ReduceProd", [x], 13, A("axes", new long[] { 1 }));
        Assert.Equal([1f, 1], prod.ToArray<float>());
        using var max = Run("ReduceMax", [x], 13, A("axes", new long[] { 1 }));
        Assert.Equal([float.NegativeInfinity, float.NegativeInfinity], max.ToArray<float>());
        using var kept = Run("ReduceSum", [x, I64([0], 1)], 13, A("keepdims", 0L));
        Assert.Equal([0], kept.Shape);
    }

    [Fact]
    public void BadAxesAreErrors()
    {
        Assert.Throws<ShapeException>(() => Run("ReduceSum", [X(), I64([3], 1)], 13));
        Assert.Throws<ShapeException>(() => Run("ReduceMax", [X()], 13, A("axes", new long[] { 1, -2 })));
    }

    [Fact]
    public void AxesInputThroughASessionIsFoldedOrDynamic()
    {
        using var x = X();
        using var axes = I64([2], 1);
        using var y = RunSession("ReduceSum", [x, axes], DataType.Float32, 13);
        Assert.Equal([2, 2, 1], y.Shape);
        Assert.Equal([6f, 15, 24, 33], y.ToArray<float>());
    }
}

public class ArgMinMaxTests
{
    [Fact]
    public void ArgMaxDefaultAxisKeepsDims()
    {
        using var y = Run("ArgMax", F([1, 5, 3, 4, 2, 6], 2, 3));
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([1, 3], y.Shape);
        Assert.Equal([1L, 0, 1], y.ToArray<long>());
    }

    [Fact]
    public void ArgMinNegativeAxisNoKeepDims()
    {
        using var y = Run("ArgMin", F([1, 5, 3, 4, 2, 6], 2, 3), A("axis", -1L), A("keepdims", 0L));
        Assert.Equal([2], y.Shape);
        Assert.Equal([0L, 1], y.ToArray<long>());
    }

    [Fact]
    public void TiesAndSelectLastIndex()
    {
        using var x = I32([2, 7, 7, 1, 1, 0], 2, 3);
        using var first = Run("ArgMax", x, A("axis", 1L));
        Assert.Equal([1L, 0], first.ToArray<long>());
        using var last = Run("ArgMax", x, A("axis", 1L), A("select_last_index", 1L));
        Assert.Equal([2L, 1], last.ToArray<long>());
        using var minLast = Run("ArgMin", x, A("axis", 1L), A("select_last_index", 1L));
        Assert.Equal([0L, 2], minLast.ToArray<long>());
    }

    [Fact]
    public void MiddleAxis()
    {
        // [2,2,2]: x[i,j,k] = values below; argmax over j.
        using var y = Run("ArgMax", F([1, 9, 5, 2, 0, 0, 3, -1], 2, 2, 2), A("axis", 1L), A("keepdims", 0L));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([1L, 0, 1, 0], y.ToArray<long>());
    }

    [Fact]
    public void ErrorsForBadAxisAndEmptyAxis()
    {
        Assert.Throws<ShapeException>(() => Run("ArgMax", F([1, 2], 2), A("axis", 1L)));
        Assert.Throws<ShapeException>(() => Run("ArgMax", F([], 2, 0), A("axis", 1L)));
        using var ok = Run("ArgMax", F([], 0, 2), A("axis", 1L));
        Assert.Equal([0, 1], ok.Shape);
    }
}
