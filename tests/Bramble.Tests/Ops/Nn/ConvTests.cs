using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class ConvTests
{
    private static Tensor Ramp(params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = i;
        return t;
    }

    private static Tensor Ones(params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        t.AsSpan<float>().Fill(1);
        return t;
    }

    // Values of the ONNX Conv operator documentation example: 5x5 ramp, 3x3 ones.
    [Fact]
    public void OnnxExampleWithAndWithoutPadding()
    {
        using var x = Ramp(1, 1, 5, 5);
        using var w = Ones(1, 1, 3, 3);
        using var padded = Eval1(Node("Conv", 2, A("kernel_shape", 3, 3), A("pads", 1, 1, 1, 1)), x, w);
        Close([12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84], padded);
        using var valid = Eval1(Node("Conv", 2), x, w);
        Assert.Equal([1, 1, 3, 3], valid.Shape);
        Close([54, 63, 72, 99, 108, 117, 144, 153, 162], valid);
    }

    [Fact]
    public void StridesAndAsymmetricPadding()
    {
        using var x = Ramp(1, 1, 7, 5);
        using var w = Ones(1, 1, 3, 3);
        using var y = Eval1(Node("Conv", 2, A("strides", 2, 2), A("pads", 1, 0, 1, 0)), x, w);
        Assert.Equal([1, 1, 4, 2], y.Shape);
        Close([21, 33, 99, 117, 189, 207, 171, 183], y);
    }

    [Fact]
    public void SameUpperAndSameLowerPlaceTheOddPadDifferently()
    {
        using var x = Ramp(1, 1, 4, 4);
        using var w = Ones(1, 1, 2, 2);
        using var upper = Eval1(Node("Conv", 2, A("auto_pad", "SAME_UPPER")), x, w);
        using var lower = Eval1(Node("Conv", 2, A("auto_pad", "SAME_LOWER")), x, w);
        Assert.Equal([1, 1, 4, 4], upper.Shape);
        Assert.Equal(0 + 1 + 4 + 5, upper.ToArray<float>()[0]);
        Assert.Equal(11 + 15, upper.ToArray<float>()[11]); // row 2, col 3: window rows 2-3, column 4 is padding
        Assert.Equal(0, lower.ToArray<float>()[0]);
        Assert.Equal(10 + 11 + 14 + 15, lower.ToArray<float>()[15]);
    }

    [Theory]
    [InlineData("SAME_UPPER", 2, 3)]
    [InlineData("SAME_LOWER", 2, 3)]
    [InlineData("VALID", 2, 2)]
    [InlineData("NOTSET", 2, 2)]
    [InlineData("SAME_UPPER", 1, 5)]
    public void AutoPadOutputShapes(string autoPad, long stride, int expected)
    {
        var (shapes, _) = Infer(Node("Conv", 2, A("auto_pad", autoPad), A("strides", stride, stride)), 17, [1, 1, 5, 5], [1, 1, 3, 3]);
        Assert.Equal([1, 1, expected, expected], shapes[0]!);
    }

    [Fact]
    public void CountsMacsExactly()
    {
        var (shapes, macs) = Infer(Node("Conv", 3, A("group", 2), A("pads", 1, 1, 1, 1), A("strides", 2, 2)), 17, [2, 8, 9, 9], [6, 4, 3, 3], [6]);
        Assert.Equal([2, 6, 5, 5], shapes[0]!);
        Assert.Equal(2L * 6 * 25 * 4 * 9, macs);
    }

    [Fact]
    public void ChannelMismatchIsNamed()
    {
        var e = Assert.Throws<ShapeException>(() => Infer(Node("Conv", 2), 17, [1, 3, 5, 5], [4, 2, 3, 3]));
        Assert.Contains("channel mismatch", e.Message);
        Assert.Contains("node 'n'", e.Message);
        Assert.Throws<ShapeException>(() => Infer(Node("Conv", 3), 17, [1, 2, 5, 5], [4, 2, 3, 3], [3]));
        Assert.Throws<ShapeException>(() => Infer(Node("Conv", 2), 17, [1, 2, 2, 2], [4, 2, 3, 3]));
        Assert.Throws<ShapeException>(() => Infer(Node("Conv", 2, A("kernel_shape", 2, 2)), 17, [1, 2, 5, 5], [4, 2, 3, 3]));
    }

    /// <summary>An independent 2-D formulation: explicitly zero-padded input, im2col matrix, then a matrix product per group.</summary>
    private static float[] Im2ColConv(Tensor x, Tensor w, Tensor? b, int group, int[] stride, int[] pads, int[] dil, int outH, int outW)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int m = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3], mg = m / group;
        int ph = h + pads[0] + pads[2], pw = wd + pads[1] + pads[3];
        var xs = x.ToArray<float>();
        var ws = w.ToArray<float>();
        var y = new float[n * m * outH * outW];
        for (int ni = 0; ni < n; ni++)
        {
            var padded = new float[c, ph, pw];
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++)
                        padded[ci, i + pads[0], j + pads[1]] = xs[((ni * c + ci) * h + i) * wd + j];
            for (int g = 0; g < group; g++)
            {
                int rows = cg * kh * kw, cols = outH * outW;
                var col = new float[rows, cols];
                for (int ci = 0; ci < cg; ci++)
                    for (int a = 0; a < kh; a++)
                        for (int bb = 0; bb < kw; bb++)
                            for (int oy = 0; oy < outH; oy++)
                                for (int ox = 0; ox < outW; ox++)
                                    col[(ci * kh + a) * kw + bb, oy * outW + ox] = padded[g * cg + ci, oy * stride[0] + a * dil[0], ox * stride[1] + bb * dil[1]];
                for (int mi = 0; mi < mg; mi++)
                {
                    int mo = g * mg + mi;
                    for (int p = 0; p < cols; p++)
                    {
                        double sum = b == null ? 0 : b.ToArray<float>()[mo];
                        for (int r = 0; r < rows; r++) sum += (double)ws[mo * rows + r] * col[r, p];
                        y[(ni * m + mo) * cols + p] = (float)sum;
                    }
                }
            }
        }
        return y;
    }

    [Fact]
    public void MatchesIm2ColOnRandomShapes()
    {
        var rng = new Random(1234);
        for (int trial = 0; trial < 25; trial++)
        {
            int group = rng.Next(1, 4), cg = rng.Next(1, 4), mg = rng.Next(1, 4);
            int kh = rng.Next(1, 4), kw = rng.Next(1, 4);
            int[] stride = [rng.Next(1, 3), rng.Next(1, 3)], dil = [rng.Next(1, 3), rng.Next(1, 3)];
            int[] pads = [rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3)];
            int h = (kh - 1) * dil[0] + 1 + rng.Next(0, 5), wd = (kw - 1) * dil[1] + 1 + rng.Next(0, 5);
            bool bias = rng.Next(2) == 0;
            using var x = Random(rng, 2, group * cg, h, wd);
            using var w = Random(rng, group * mg, cg, kh, kw);
            using var b = bias ? Random(rng, group * mg) : null;
            var node = Node("Conv", bias ? 3 : 2, A("group", group), A("strides", stride[0], stride[1]), A("dilations", dil[0], dil[1]),
                A("pads", pads[0], pads[1], pads[2], pads[3]));
            using var y = Eval1(node, bias ? [x, w, b] : [x, w]);
            int outH = (h + pads[0] + pads[2] - (kh - 1) * dil[0] - 1) / stride[0] + 1;
            int outW = (wd + pads[1] + pads[3] - (kw - 1) * dil[1] - 1) / stride[1] + 1;
            Assert.Equal([2, group * mg, outH, outW], y.Shape);
            Close(Im2ColConv(x, w, b, group, stride, pads, dil, outH, outW), y, 1e-4);
        }
    }

    [Fact]
    public void GroupedConvEqualsConcatenatedPerGroupConvs()
    {
        var rng = new Random(7);
        int group = 3, cg = 2, mg = 2;
        using var x = Random(rng, 1, group * cg, 6, 5);
        using var w = Random(rng, group * mg, cg, 3, 3);
        using var grouped = Eval1(Node("Conv", 2, A("group", group), A("pads", 1, 1, 1, 1)), x, w);
        var expected = new List<float>();
        var xs = x.ToArray<float>();
        var ws = w.ToArray<float>();
        for (int g = 0; g < group; g++)
        {
            using var xg = T(xs[(g * cg * 30)..((g + 1) * cg * 30)], 1, cg, 6, 5);
            using var wg = T(ws[(g * mg * cg * 9)..((g + 1) * mg * cg * 9)], mg, cg, 3, 3);
            using var yg = Eval1(Node("Conv", 2, A("pads", 1, 1, 1, 1)), xg, wg);
            expected.AddRange(yg.ToArray<float>());
        }
        Close(expected.ToArray(), grouped);
    }

    [Fact]
    public void DepthwiseConvFiltersEachChannelAlone()
    {
        using var x = T([1, 2, 3, 4, 10, 20, 30, 40], 1, 2, 2, 2);
        using var w = T([1, 0, 0, 1, 0, 1, 1, 0], 2, 1, 2, 2);
        using var b = T([0.5f, -1], 2);
        using var y = Eval1(Node("Conv", 3, A("group", 2)), x, w, b);
        Close([1 + 4 + 0.5f, 20 + 30 - 1], y);
    }

    [Fact]
    public void OneAndThreeDimensionalConvsMatchTheTwoDimensionalOne()
    {
        var rng = new Random(99);
        using var x1 = Random(rng, 2, 3, 11);
        using var w1 = Random(rng, 4, 3, 3);
        using var y1 = Eval1(Node("Conv", 2, A("strides", new long[] { 2 }), A("pads", 1, 2), A("dilations", new long[] { 2 })), x1, w1);
        using var y2 = Eval1(Node("Conv", 2, A("strides", 1, 2), A("pads", 0, 1, 0, 2), A("dilations", 1, 2)), x1.Reshaped(2, 3, 1, 11), w1.Reshaped(4, 3, 1, 3));
        Assert.Equal([2, 4, 5], y1.Shape);
        Close(y2.ToArray<float>(), y1);

        using var x3 = Random(rng, 1, 2, 3, 4, 5);
        using var w3 = Random(rng, 2, 2, 1, 3, 3);
        using var y3 = Eval1(Node("Conv", 2, A("pads", 0, 1, 1, 0, 1, 1)), x3, w3);
        using var y3as2 = Eval1(Node("Conv", 2, A("pads", 1, 1, 1, 1)), x3.Reshaped(1, 2, 12, 5), w3.Reshaped(2, 2, 3, 3));
        Assert.Equal([1, 2, 3, 4, 5], y3.Shape);
        // Depth slices are independent for a depth-1 kernel, so each slice equals a 2-D conv of that slice.
        var xs = x3.ToArray<float>();
        for (int d = 0; d < 3; d++)
        {
            var slice = new float[2 * 20];
            for (int c = 0; c < 2; c++) Array.Copy(xs, (c * 3 + d) * 20, slice, c * 20, 20);
            using var xd = T(slice, 1, 2, 4, 5);
            using var yd = Eval1(Node("Conv", 2, A("pads", 1, 1, 1, 1)), xd, w3.Reshaped(2, 2, 3, 3));
            var ys = y3.ToArray<float>();
            var yds = yd.ToArray<float>();
            for (int m = 0; m < 2; m++)
                for (int i = 0; i < 20; i++)
                    Assert.Equal(yds[m * 20 + i], ys[(m * 3 + d) * 20 + i], 4);
        }
    }

    [Fact]
    public void RunsInASessionWithConstantWeights()
    {
        using var x = Ramp(1, 1, 5, 5);
        using var w = Ones(1, 1, 3, 3);
        using var b = T([1f], 1);
        using var y = RunSession(Node("Conv", 3, A("strides", 2, 2), A("pads", 1, 1, 1, 1)), 11, [x], (1, w), (2, b));
        Close([13, 28, 25, 64, 109, 82, 73, 118, 85], y);
    }
}
