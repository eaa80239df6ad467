using Bramble.Graph;
using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class PadTests
{
    private static Tensor Pads(params long[] p) => Tensor.FromArray(p, p.Length);

    // The ONNX Pad documentation examples: data [[1, 1.2], [2.3, 3.4], [4.5, 5.7]], pads [0, 2, 0, 0].
    private static readonly float[] Data = [1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f];

    [Fact]
    public void ConstantReflectEdge()
    {
        using var x = T(Data, 3, 2);
        using var pads = Pads(0, 2, 0, 0);
        using var value = Tensor.Scalar(7f);
        using var constant = Eval(Node("Pad", 3), 11, x, pads, value)[0]!;
        Assert.Equal([3, 4], constant.Shape);
        Close([7, 7, 1.0f, 1.2f, 7, 7, 2.3f, 3.4f, 7, 7, 4.5f, 5.7f], constant);
        using var reflect = Eval(Node("Pad", 2, A("mode", "reflect")), 11, x, pads)[0]!;
        Close([1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f], reflect);
        using var edge = Eval(Node("Pad", 2, A("mode", "edge")), 11, x, pads)[0]!;
        Close([1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f], edge);
    }

    [Fact]
    public void ReflectBeyondOneLengthRepeatsTheMirror()
    {
        using var x = T([1, 2, 3], 3);
        using var y = Eval(Node("Pad", 2, A("mode", "reflect")), 13, x, Pads(4, 4))[0]!;
        // numpy.pad([1, 2, 3], 4, 'reflect')
        Close([1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3], y);
    }

    [Fact]
    public void NegativePadsCropAndOldOpsetUsesAttributes()
    {
        using var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var y = Eval(Node("Pad", 1, A("pads", 1, -1, 0, 1), A("value", 9f)), 2, x)[0]!;
        Assert.Equal([3, 3], y.Shape);
        Close([9, 9, 9, 2, 3, 9, 5, 6, 9], y);
    }

    [Fact]
    public void PadsIntegerDataAndAxes()
    {
        using var x = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        using var axes = Tensor.FromArray(new long[] { -1 }, 1);
        using var value = Tensor.Scalar(-5L);
        var node = new Node("Pad", ["x", "p", "v", "a"], ["y"], "pad");
        using var y = Eval(node, 18, x, Pads(1, 0), value, axes)[0]!;
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([-5L, 1, 2, -5, 3, 4], y.ToArray<long>());
    }

    [Fact]
    public void BadPadsAreErrors()
    {
        using var x = T(Data, 3, 2);
        Assert.Throws<ShapeException>(() => Eval(Node("Pad", 2), 11, x, Pads(0, 2)));
        Assert.Throws<ShapeException>(() => Eval(Node("Pad", 2), 11, x, Pads(-4, 0, 0, 0)));
        Assert.Throws<ShapeException>(() => Eval(Node("Pad", 2), 11, x, Pads(1 << 20, 1 << 20, 0, 0)));
        Assert.Throws<UnsupportedOperatorException>(() => Eval(Node("Pad", 2, A("mode", "mirror")), 11, x, Pads(0, 0, 0, 0)));
    }

    [Fact]
    public void DepthToSpaceModes()
    {
        // The ONNX documentation example: [1, 8, 2, 3] ramp, blocksize 2.
        var data = Enumerable.Range(0, 48).Select(i => (float)i).ToArray();
        using var x = T(data, 1, 8, 2, 3);
        using var dcr = Eval1(Node("DepthToSpace", 1, A("blocksize", 2L), A("mode", "DCR")), x);
        Assert.Equal([1, 2, 4, 6], dcr.Shape);
        Close([0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38, 3, 15, 4, 16, 5, 17, 27, 39, 28, 40, 29, 41], T(dcr.ToArray<float>()[..24], 24));
        using var crd = Eval1(Node("DepthToSpace", 1, A("blocksize", 2L), A("mode", "CRD")), x);
        Close([0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20, 3, 9, 4, 10, 5, 11, 15, 21, 16, 22, 17, 23], T(crd.ToArray<float>()[..24], 24));
    }

    [Fact]
    public void SpaceToDepthInvertsDepthToSpaceDcr()
    {
        using var x = Random(new Random(4), 2, 3, 4, 6);
        using var s2d = Eval1(Node("SpaceToDepth", 1, A("blocksize", 2L)), x);
        Assert.Equal([2, 12, 2, 3], s2d.Shape);
        using var back = Eval1(Node("DepthToSpace", 1, A("blocksize", 2L)), s2d);
        Close(x, back);
        Assert.Throws<ShapeException>(() => Infer(Node("SpaceToDepth", 1, A("blocksize", 4L)), 13, [1, 1, 4, 6]));
        Assert.Throws<ShapeException>(() => Infer(Node("DepthToSpace", 1, A("blocksize", 2L)), 13, [1, 6, 4, 6]));
    }
}
