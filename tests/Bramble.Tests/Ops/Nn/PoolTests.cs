using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class PoolTests
{
    private static Tensor Ramp(params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = i + 1;
        return t;
    }

    [Fact]
    public void MaxPoolCeilModeAddsAPartialWindow()
    {
        using var x = Ramp(1, 1, 4, 4);
        using var floor = Eval1(Node("MaxPool", 1, A("kernel_shape", 3, 3), A("strides", 2, 2)), x);
        using var ceil = Eval1(Node("MaxPool", 1, A("kernel_shape", 3, 3), A("strides", 2, 2), A("ceil_mode", 1L)), x);
        Assert.Equal([1, 1, 1, 1], floor.Shape);
        Close([11], floor);
        Close([11, 12, 15, 16], ceil);
    }

    [Fact]
    public void CeilModeDropsAWindowThatWouldStartInThePadding()
    {
        // in 5, k 2, s 2, pad end 1: ceil((5+1-2)/2)+1 = 3, and the third window starts at 4 < 5: kept.
        var (shapes, _) = Infer(Node("MaxPool", 1, A("kernel_shape", 2, 2), A("strides", 2, 2), A("pads", 0, 0, 1, 1), A("ceil_mode", 1L)), 17, [1, 1, 5, 5]);
        Assert.Equal([1, 1, 3, 3], shapes[0]!);
        // in 4, k 2, s 2, pad end 1: ceil((4+1-2)/2)+1 = 3 but the third window would start at 4 = in: dropped.
        (shapes, _) = Infer(Node("MaxPool", 1, A("kernel_shape", 2, 2), A("strides", 2, 2), A("pads", 0, 0, 1, 1), A("ceil_mode", 1L)), 17, [1, 1, 4, 4]);
        Assert.Equal([1, 1, 2, 2], shapes[0]!);
    }

    [Fact]
    public void MaxPoolIndicesRowAndColumnMajor()
    {
        using var x = T([1, 9, 3, 4, 5, 6, 7, 8, 2, 10, 11, 12, 13, 14, 15, 16, 0, -1], 2, 1, 3, 3);
        var rows = Eval(Node("MaxPool", 1, 2, A("kernel_shape", 2, 2)), 12, x);
        Close([9, 9, 8, 8, 14, 15, 16, 15], rows[0]!);
        Assert.Equal([1L, 1, 7, 7, 13, 14, 15, 14], rows[1]!.ToArray<long>());
        var cols = Eval(Node("MaxPool", 1, 2, A("kernel_shape", 2, 2), A("storage_order", 1L)), 12, x);
        // Column-major index of (h, w) in a 3x3 plane is w*3 + h.
        Assert.Equal([3L, 3, 5, 5, 9 + 4, 9 + 7, 9 + 2, 9 + 7], cols[1]!.ToArray<long>());
    }

    [Fact]
    public void MaxPoolDilationsAndPads()
    {
        using var x = Ramp(1, 1, 4, 4);
        using var y = Eval1(Node("MaxPool", 1, A("kernel_shape", 2, 2), A("dilations", 2, 2)), x);
        Close([11, 12, 15, 16], y);
        using var p = Eval1(Node("MaxPool", 1, A("kernel_shape", 3, 3), A("pads", 1, 1, 1, 1), A("strides", 3, 3)), x);
        Close([6, 8, 14, 16], p);
    }

    [Fact]
    public void MaxPoolOnBytes()
    {
        using var x = Tensor.FromArray(new byte[] { 1, 200, 3, 4 }, 1, 1, 2, 2);
        using var y = Eval1(Node("MaxPool", 1, A("kernel_shape", 2, 2)), x);
        Assert.Equal(DataType.UInt8, y.Type);
        Assert.Equal([(byte)200], y.ToArray<byte>());
    }

    [Fact]
    public void AveragePoolCountIncludePad()
    {
        using var x = Ramp(1, 1, 3, 3);
        var node = Node("AveragePool", 1, A("kernel_shape", 2, 2), A("pads", 1, 1, 0, 0));
        using var excl = Eval1(node, x);
        Close([1, 1.5f, 2.5f, 2.5f, 3, 4, 5.5f, 6, 7], excl);
        using var incl = Eval1(Node("AveragePool", 1, A("kernel_shape", 2, 2), A("pads", 1, 1, 0, 0), A("count_include_pad", 1L)), x);
        Close([0.25f, 0.75f, 1.25f, 1.25f, 3, 4, 2.75f, 6, 7], incl);
    }

    [Fact]
    public void AveragePoolSameUpperAndThreeD()
    {
        using var x = Ramp(1, 1, 3, 3);
        using var y = Eval1(Node("AveragePool", 1, A("kernel_shape", 2, 2), A("auto_pad", "SAME_UPPER")), x);
        Close([3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9], y);
        using var x3 = Ramp(1, 2, 2, 2, 2);
        using var y3 = Eval1(Node("AveragePool", 1, A("kernel_shape", 2, 2, 2)), x3);
        Close([4.5f, 12.5f], y3);
        using var x1 = Ramp(1, 1, 5);
        using var y1 = Eval1(Node("AveragePool", 1, A("kernel_shape", new long[] { 2 }), A("strides", new long[] { 2 }), A("ceil_mode", 1L)), x1);
        Close([1.5f, 3.5f, 5], y1);
    }

    [Fact]
    public void LpPoolAndGlobalPools()
    {
        using var x = T([3, 4, 0, -12, 1, 2, 3, 4], 1, 2, 2, 2);
        using var lp = Eval1(Node("LpPool", 1, A("kernel_shape", 2, 2)), x);
        Close([13, MathF.Sqrt(30)], lp);
        using var lp1 = Eval1(Node("LpPool", 1, A("kernel_shape", 2, 2), A("p", 1L)), x);
        Close([19, 10], lp1);
        using var avg = Eval1(Node("GlobalAveragePool", 1), x);
        Assert.Equal([1, 2, 1, 1], avg.Shape);
        Close([-1.25f, 2.5f], avg);
        using var max = Eval1(Node("GlobalMaxPool", 1), x);
        Close([4, 4], max);
        using var glp = Eval1(Node("GlobalLpPool", 1), x);
        Close([13, MathF.Sqrt(30)], glp);
    }

    [Fact]
    public void MissingKernelShapeIsAnError()
    {
        var e = Assert.Throws<ShapeException>(() => Infer(Node("MaxPool", 1), 17, [1, 1, 4, 4]));
        Assert.Contains("kernel_shape", e.Message);
    }
}
