using Bramble.Graph;
using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class ResizeTests
{
    private static Tensor Scales(params float[] s) => T(s, s.Length);

    /// <summary>Resize (opset 13 layout: X, roi, scales, sizes) with scales.</summary>
    private static Tensor ResizeScales(Tensor x, float[] scales, params Bramble.Graph.Attribute[] attrs)
    {
        var node = new Node("Resize", ["x", "", "scales"], ["y"], "r");
        foreach (var a in attrs) node.With(a);
        using var s = Scales(scales);
        return Eval(node, 13, x, null, s)[0]!;
    }

    private static Tensor ResizeSizes(Tensor x, long[] sizes, params Bramble.Graph.Attribute[] attrs)
    {
        var node = new Node("Resize", ["x", "", "", "sizes"], ["y"], "r");
        foreach (var a in attrs) node.With(a);
        using var s = Tensor.FromArray(sizes, sizes.Length);
        return Eval(node, 13, x, null, null, s)[0]!;
    }

    private static Tensor Ramp(params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = i + 1;
        return t;
    }

    [Fact]
    public void NearestUpsampleHalfPixel()
    {
        using var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        using var y = ResizeScales(x, [1, 1, 2, 3]);
        Assert.Equal([1, 1, 4, 6], y.Shape);
        Close([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], y);
    }

    [Fact]
    public void LinearUpsampleHalfPixelAndAlignCorners()
    {
        using var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        using var y = ResizeScales(x, [1, 1, 2, 2], A("mode", "linear"));
        Close([1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4], y);
        using var ac = ResizeScales(x, [1, 1, 2, 2], A("mode", "linear"), A("coordinate_transformation_mode", "align_corners"));
        float t = 1f / 3;
        Close([1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t, 2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4], ac);
    }

    [Fact]
    public void DownsampleNearestAndLinear()
    {
        using var x = T([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 2, 4);
        using var n = ResizeScales(x, [1, 1, 0.6f, 0.6f]);
        Assert.Equal([1, 1, 1, 2], n.Shape);
        Close([1, 3], n);
        using var l = ResizeScales(x, [1, 1, 0.6f, 0.6f], A("mode", "linear"));
        Close([2.6666665f, 4.3333331f], l);
        using var s = ResizeSizes(x, [1, 1, 1, 2]);
        Close([1, 3], s);
    }

    [Fact]
    public void AlignCornersUsesTheUnflooredResizedLength()
    {
        // Width 4 at scale 0.6: output 2, but the coordinate of index 1 is 1·3/(2.4−1) = 2.142857.
        using var x = T([1, 2, 3, 4], 4);
        using var y = ResizeScales(x, [0.6f], A("mode", "linear"), A("coordinate_transformation_mode", "align_corners"));
        Close([1, 3.142857f], y);
    }

    [Fact]
    public void NearestModes()
    {
        using var x = T([1, 2, 3, 4], 4);
        // asymmetric, scale 2: coordinates 0, 0.5, 1, 1.5, ...
        using var floor = ResizeScales(x, [2], A("coordinate_transformation_mode", "asymmetric"), A("nearest_mode", "round_prefer_floor"));
        Close([1, 1, 2, 2, 3, 3, 4, 4], floor);
        using var ceil = ResizeScales(x, [2], A("coordinate_transformation_mode", "asymmetric"), A("nearest_mode", "round_prefer_ceil"));
        Close([1, 2, 2, 3, 3, 4, 4, 4], ceil);
        using var c = ResizeScales(x, [1.5f], A("coordinate_transformation_mode", "asymmetric"), A("nearest_mode", "ceil"));
        Close([1, 2, 3, 3, 4, 4], c); // 0, .67, 1.33, 2, 2.67, 3.33 → ceil, clamped
        using var f = ResizeScales(x, [1.5f], A("coordinate_transformation_mode", "asymmetric"), A("nearest_mode", "floor"));
        Close([1, 1, 2, 3, 3, 4], f);
    }

    [Fact]
    public void CubicUpsampleMatchesTheOnnxExample()
    {
        using var x = Ramp(1, 1, 4, 4);
        using var y = ResizeScales(x, [1, 1, 2, 2], A("mode", "cubic"));
        Assert.Equal([1, 1, 8, 8], y.Shape);
        Close([0.47265625f, 0.76953125f, 1.2460938f, 1.875f, 2.28125f, 2.9101562f, 3.3867188f, 3.6835938f], T(y.ToArray<float>()[..8], 8));
    }

    [Fact]
    public void CubicExcludeOutsideRenormalizes()
    {
        // With exclude_outside a constant input stays constant even at the border; without, edge clamping does too.
        using var x = T(Enumerable.Repeat(5f, 9).ToArray(), 3, 3);
        using var y = ResizeScales(x, [1.7f, 2.3f], A("mode", "cubic"), A("exclude_outside", 1L), A("cubic_coeff_a", -0.5f));
        Assert.All(y.ToArray<float>(), v => Assert.Equal(5f, v, 4));
    }

    [Theory]
    [InlineData("nearest", "half_pixel")]
    [InlineData("nearest", "asymmetric")]
    [InlineData("nearest", "align_corners")]
    [InlineData("linear", "half_pixel")]
    [InlineData("linear", "pytorch_half_pixel")]
    [InlineData("linear", "align_corners")]
    [InlineData("cubic", "half_pixel")]
    [InlineData("cubic", "asymmetric")]
    [InlineData("cubic", "align_corners")]
    public void ScaleOneIsIdentity(string mode, string coordinates)
    {
        using var x = Random(new Random(mode.Length * 31 + coordinates.Length), 2, 3, 4, 5);
        using var y = ResizeScales(x, [1, 1, 1, 1], A("mode", mode), A("coordinate_transformation_mode", coordinates));
        Close(x, y);
    }

    [Fact]
    public void TfCropAndResizeExtrapolates()
    {
        using var x = Ramp(1, 1, 4, 4);
        var node = new Node("Resize", ["x", "roi", "", "sizes"], ["y"], "r")
            .With(A("mode", "linear")).With(A("coordinate_transformation_mode", "tf_crop_and_resize")).With(A("extrapolation_value", 10f));
        using var roi = T([0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f], 8);
        using var sizes = Tensor.FromArray(new long[] { 1, 1, 3, 3 }, 4);
        using var y = Eval(node, 13, x, roi, null, sizes)[0]!;
        // Rows: 0.4·3 + i·0.8·3/2 = 1.2, 2.4, 3.6; cols: 1.8, 3.45, 5.1 (outside beyond 3).
        Close([7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10], y, 1e-4);
    }

    [Fact]
    public void ResizeTenUsesUpsampleRules()
    {
        using var x = T([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 2, 4);
        var node = new Node("Resize", ["x", "scales"], ["y"], "r");
        using var s = Scales(1, 1, 0.6f, 0.6f);
        using var y = Eval(node, 10, x, s)[0]!;
        Close([1, 3], y);
    }

    [Fact]
    public void UpsampleAttributeAndInputForms()
    {
        using var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        var expected = new float[] { 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4 };
        using var y7 = Eval(Node("Upsample", 1, Af("scales", 1, 1, 2, 3)), 7, x)[0]!;
        Close(expected, y7);
        using var s = Scales(1, 1, 2, 3);
        using var y9 = Eval(Node("Upsample", 2), 9, x, s)[0]!;
        Close(expected, y9);
        using var lin = Eval(Node("Upsample", 2, A("mode", "linear")), 9, x, Scales(1, 1, 2, 2))[0]!;
        Close([1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4], lin);
    }

    [Fact]
    public void SessionFoldsConstantScalesAndFallsBackForRuntimeScales()
    {
        using var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        using var s = Scales(1, 1, 2, 2);
        var expected = new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 };
        using var constant = RunSession(new Node("Resize", ["x", "", "s"], ["y"], "r"), 13, [x], (2, s));
        Close(expected, constant);
        using var runtime = RunSession(new Node("Resize", ["x", "", "s"], ["y"], "r"), 13, [x, s]);
        Close(expected, runtime);
    }

    [Fact]
    public void BadScalesAreErrors()
    {
        using var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        Assert.Throws<ShapeException>(() => ResizeScales(x, [1, 2]));
        Assert.Throws<ShapeException>(() => ResizeScales(x, [1, 1, -2, 1]));
        Assert.Throws<UnsupportedOperatorException>(() => ResizeScales(x, [1, 1, 2, 2], A("mode", "bicubic")));
        // Absurd scales are a one-line error, not an attempt to allocate the result.
        var e = Assert.Throws<ShapeException>(() => ResizeScales(x, [1, 1, 60000, 60000]));
        Assert.Contains("elements", e.Message);
    }
}
