using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class ConvTransposeTests
{
    private static readonly float[] ExampleChannel = [0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8];

    // The ONNX ConvTranspose documentation example: 3x3 ramp, two 3x3 all-ones output channels.
    [Fact]
    public void OnnxExample()
    {
        using var x = T([0, 1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 3, 3);
        using var w = T(Enumerable.Repeat(1f, 18).ToArray(), 1, 2, 3, 3);
        using var y = Eval1(Node("ConvTranspose", 2), x, w);
        Assert.Equal([1, 2, 5, 5], y.Shape);
        Close([.. ExampleChannel, .. ExampleChannel], y);
    }

    [Fact]
    public void OneDimensionalWithBias()
    {
        using var x = T([0, 1, 2], 1, 1, 3);
        using var w = T([1, 1, 1, 1, 1, 1], 1, 2, 3);
        using var b = T([10, 20], 2);
        using var y = Eval1(Node("ConvTranspose", 3), x, w, b);
        Close([10, 11, 13, 13, 12, 20, 21, 23, 23, 22], y);
    }

    [Fact]
    public void StridesScatterWithGaps()
    {
        using var x = T([1, 2], 1, 1, 2);
        using var w = T([1, 10], 1, 1, 2);
        using var y = Eval1(Node("ConvTranspose", 2, A("strides", new long[] { 3 })), x, w);
        Close([1, 10, 0, 2, 20], y);
    }

    [Theory]
    [InlineData(new long[] { }, new long[] { }, new long[] { }, "NOTSET", 7, 3)]
    [InlineData(new long[] { 1, 2, 1, 2 }, new long[] { }, new long[] { }, "NOTSET", 7, 3)]
    [InlineData(new long[] { }, new long[] { 10, 8 }, new long[] { }, "NOTSET", 10, 8)]
    [InlineData(new long[] { }, new long[] { }, new long[] { 1, 1 }, "NOTSET", 10, 8)]
    [InlineData(new long[] { }, new long[] { }, new long[] { }, "SAME_UPPER", 9, 6)]
    [InlineData(new long[] { }, new long[] { }, new long[] { }, "VALID", 9, 7)]
    public void OutputShapes(long[] pads, long[] outputShape, long[] outputPadding, string autoPad, int h, int w)
    {
        var attrs = new List<Bramble.Graph.Attribute> { A("strides", 3, 2), A("auto_pad", autoPad) };
        if (pads.Length > 0) attrs.Add(A("pads", pads));
        if (outputShape.Length > 0) attrs.Add(A("output_shape", outputShape));
        if (outputPadding.Length > 0) attrs.Add(A("output_padding", outputPadding));
        if (pads.Length == 0 && outputShape.Length == 0 && outputPadding.Length == 0 && autoPad == "NOTSET") attrs.Add(A("pads", 1, 2, 1, 2));
        var (shapes, macs) = Infer(Node("ConvTranspose", 2, attrs.ToArray()), 17, [1, 1, 3, 3], [1, 2, 3, 3]);
        Assert.Equal([1, 2, h, w], shapes[0]!);
        Assert.Equal(1L * 1 * 9 * 2 * 9, macs);
    }

    /// <summary>ConvTranspose is the adjoint of Conv with the same weights: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩.</summary>
    [Fact]
    public void IsTheAdjointOfConv()
    {
        var rng = new Random(31);
        for (int trial = 0; trial < 20; trial++)
        {
            int rank = rng.Next(1, 4);
            int group = rng.Next(1, 3), cg = rng.Next(1, 3), mg = rng.Next(1, 3);
            var k = new long[rank]; var s = new long[rank]; var d = new long[rank]; var pads = new long[2 * rank];
            var xShape = new List<int> { 2, group * cg };
            var wShape = new List<int> { group * mg, cg };
            for (int i = 0; i < rank; i++)
            {
                k[i] = rng.Next(1, 4); s[i] = rng.Next(1, 4); d[i] = rng.Next(1, 3);
                pads[i] = rng.Next(0, 3); pads[i + rank] = rng.Next(0, 3);
                xShape.Add((int)((k[i] - 1) * d[i] + 1) + rng.Next(0, 6));
                wShape.Add((int)k[i]);
            }
            using var x = Random(rng, xShape.ToArray());
            using var w = Random(rng, wShape.ToArray());
            var common = new[] { A("group", group), A("strides", s), A("dilations", d), A("pads", pads) };
            using var cx = Eval1(Node("Conv", 2, common), x, w);
            using var y = Random(rng, cx.Shape);
            // output_padding recovers the input positions that the conv's stride skipped at the end.
            var outputPadding = new long[rank];
            for (int i = 0; i < rank; i++)
                outputPadding[i] = xShape[2 + i] - (s[i] * (cx.Shape[2 + i] - 1) + (k[i] - 1) * d[i] + 1 - pads[i] - pads[i + rank]);
            using var ty = Eval1(Node("ConvTranspose", 2, [.. common, A("output_padding", outputPadding)]), y, w);
            Assert.Equal(x.Shape, ty.Shape);
            double lhs = Dot(cx, y), rhs = Dot(x, ty);
            Assert.True(Math.Abs(lhs - rhs) <= 1e-4 * (1 + Math.Abs(lhs)), $"trial {trial}: <conv x, y> = {lhs} but <x, convT y> = {rhs}");
        }
    }

    [Fact]
    public void LargerOutputShapeLeavesTheExtraAtTheEnd()
    {
        // Natural size 1·(2−1)+2 = 3; output_shape 4 gives total padding −1, which floors to begin 0, end −1.
        using var x = T([1, 2], 1, 1, 2);
        using var w = T([1, 10], 1, 1, 2);
        using var y = Eval1(Node("ConvTranspose", 2, A("output_shape", new long[] { 4 })), x, w);
        Close([1, 12, 20, 0], y);
    }

    [Fact]
    public void ChannelMismatchIsNamed()
    {
        var e = Assert.Throws<ShapeException>(() => Infer(Node("ConvTranspose", 2), 17, [1, 3, 3, 3], [2, 2, 3, 3]));
        Assert.Contains("channel mismatch", e.Message);
    }
}
