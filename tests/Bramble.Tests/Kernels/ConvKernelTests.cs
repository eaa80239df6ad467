using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Tests.Kernels;

public unsafe class ConvKernelTests
{
    public static TheoryData<Isa> Caps()
    {
        var data = new TheoryData<Isa>();
        foreach (var isa in Enum.GetValues<Isa>()) if (isa <= CpuFeatures.Best) data.Add(isa);
        return data;
    }

    /// <summary>The definition, straight from the formula, in double.</summary>
    internal static float[] Naive(in ConvGeometry g, int batch, float[] x, float[] w, float[]? bias, Epilogue act)
    {
        int oh = g.OutHeight, ow = g.OutWidth, icg = g.InChannelsPerGroup, ocg = g.OutChannelsPerGroup;
        var y = new float[batch * g.OutChannels * oh * ow];
        for (int b = 0; b < batch; b++)
            for (int oc = 0; oc < g.OutChannels; oc++)
            {
                int grp = oc / ocg;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double s = bias?[oc] ?? 0;
                        for (int ic = 0; ic < icg; ic++)
                            for (int ky = 0; ky < g.KernelH; ky++)
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                                    int c = grp * icg + ic;
                                    s += (double)x[((b * g.InChannels + c) * g.InHeight + iy) * g.InWidth + ix]
                                         * w[((oc * icg + ic) * g.KernelH + ky) * g.KernelW + kx];
                                }
                        y[((b * g.OutChannels + oc) * oh + oy) * ow + ox] = act.ApplyScalar((float)s);
                    }
            }
        return y;
    }

    private static void Check(in ConvGeometry g, int batch, Isa isa, WorkerPool? pool, Random rng, Activation activation, ConvAlgorithm? expect = null,
        DepthwisePath path = DepthwisePath.Auto, bool fewChannels = true, bool residual = false)
    {
        var x = SgemmTests.Random(rng, batch * g.InChannels * g.InHeight * g.InWidth);
        var w = SgemmTests.Random(rng, g.OutChannels * g.KernelSize);
        var bias = rng.Next(2) == 0 ? SgemmTests.Random(rng, g.OutChannels) : null;
        var expected = Naive(g, batch, x, w, bias, new Epilogue(activation, 0.1f, 0.6f));
        var y = new float[expected.Length];
        var r = residual ? SgemmTests.Random(rng, expected.Length) : null;
        if (r != null) expected = Naive(g, batch, x, w, bias, Epilogue.None).Select((v, i) => new Epilogue(activation, 0.1f, 0.6f).ApplyScalar(v + r[i])).ToArray();
        fixed (float* px = x, pw = w, py = y, pb = bias, pr = r)
        {
            using var kernel = Conv2dKernel.Create(g, pw, isa, fewChannels);
            if (expect is { } a) Assert.Equal(a, kernel.Algorithm);
            kernel.DepthwisePath = path;
            var e = new Epilogue(activation, 0.1f, 0.6f, pb, pb == null ? BiasKind.None : BiasKind.PerRow);
            if (pr != null) e = e.WithResidual(pr, g.OutHeight * g.OutWidth);
            kernel.Run(px, py, batch, e, pool);
            float tol = 3e-6f * (g.KernelSize + 8);
            for (int i = 0; i < y.Length; i++)
                if (!(MathF.Abs(y[i] - expected[i]) <= tol * MathF.Max(1, MathF.Abs(expected[i]))))
                    Assert.Fail($"{kernel.Name} {g} batch {batch} {activation}: element {i} expected {expected[i]} got {y[i]}");
        }
    }

    private static ConvGeometry RandomGeometry(Random rng, bool depthwise)
    {
        int groups = depthwise ? 0 : rng.Next(3) == 0 ? rng.Next(2, 4) : 1;
        int icg = rng.Next(1, 7), ocg = rng.Next(1, 9);
        if (depthwise) { groups = rng.Next(1, 12); icg = 1; ocg = 1; }
        int kh = rng.Next(1, 6), kw = rng.Next(1, 6);
        int dh = rng.Next(4) == 0 ? 2 : 1, dw = rng.Next(4) == 0 ? 2 : 1;
        int sh = rng.Next(1, 4), sw = rng.Next(1, 4);
        int pt = rng.Next(0, kh), pl = rng.Next(0, kw), pb = rng.Next(0, kh), pr = rng.Next(0, kw);
        int h = Math.Max(rng.Next(1, 24), dh * (kh - 1) + 1 - pt - pb);
        int w = Math.Max(rng.Next(1, 40), dw * (kw - 1) + 1 - pl - pr);
        return new ConvGeometry(groups * icg, h, w, groups * ocg, kh, kw)
        {
            StrideH = sh, StrideW = sw, DilationH = dh, DilationW = dw,
            PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr, Groups = groups,
        };
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void RandomGeometriesMatchDirectConvolution(Isa isa)
    {
        var rng = new Random(42 + (int)isa);
        using var pool = new WorkerPool(2);
        for (int i = 0; i < 120; i++)
        {
            var g = RandomGeometry(rng, depthwise: i % 3 == 0);
            // Depthwise layers alternate between the kernel chosen by shape and the plane kernels, so both stay covered.
            Check(g, 1 + i % 2, isa, i % 2 == 0 ? pool : null, rng, (Activation)(i % 9), path: i / 3 % 2 == 0 ? DepthwisePath.Planes : DepthwisePath.Auto);
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void TypicalLayersMatchDirectConvolution(Isa isa)
    {
        var rng = new Random(5);
        using var pool = new WorkerPool(2);
        var g3 = new ConvGeometry(13, 19, 37, 21, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
        Check(g3, 1, isa, pool, rng, Activation.LeakyRelu, ConvAlgorithm.ImplicitGemm);
        Check(g3 with { StrideH = 2, StrideW = 2 }, 1, isa, null, rng, Activation.Relu, ConvAlgorithm.ImplicitGemm);
        Check(new ConvGeometry(37, 11, 29, 70, 1, 1), 2, isa, pool, rng, Activation.SiLU, ConvAlgorithm.Pointwise);
        Check(new ConvGeometry(300, 4, 5, 7, 1, 1), 1, isa, pool, rng, Activation.None, ConvAlgorithm.Pointwise); // K > KC
        Check(new ConvGeometry(8, 9, 10, 16, 1, 1) { StrideH = 2, StrideW = 2 }, 1, isa, null, rng, Activation.HardSwish, ConvAlgorithm.ImplicitGemm);
        // Wide stride-2 first layers: the packing's SIMD even-lane path, with padding on both sides and ragged ends.
        Check(new ConvGeometry(3, 17, 101, 10, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }, 1, isa, pool, rng, Activation.Relu, ConvAlgorithm.ImplicitGemm, fewChannels: false);
        Check(new ConvGeometry(3, 15, 90, 8, 7, 7) { StrideH = 2, StrideW = 2, PadTop = 3, PadLeft = 3, PadBottom = 3, PadRight = 3 }, 1, isa, null, rng, Activation.None, ConvAlgorithm.ImplicitGemm, fewChannels: false);
        Check(new ConvGeometry(2, 9, 64, 5, 5, 5) { StrideH = 2, StrideW = 2, PadLeft = 1, PadRight = 2, PadBottom = 2 }, 1, isa, null, rng, Activation.None, ConvAlgorithm.ImplicitGemm, fewChannels: false);
        var dw = new ConvGeometry(19, 23, 45, 19, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 19 };
        Check(dw, 1, isa, pool, rng, Activation.Clip, ConvAlgorithm.Depthwise);
        Check(dw with { StrideH = 2, StrideW = 2 }, 2, isa, pool, rng, Activation.Relu, ConvAlgorithm.Depthwise);
        Check(dw with { KernelH = 5, KernelW = 5, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 }, 1, isa, null, rng, Activation.Mish, ConvAlgorithm.Depthwise);
        Check(new ConvGeometry(8, 10, 21, 16, 3, 3) { Groups = 8, PadLeft = 1, PadRight = 1 }, 1, isa, pool, rng, Activation.Sigmoid, ConvAlgorithm.ImplicitGemm); // depth multiplier 2
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void FewChannelLayersMatchDirectConvolution(Isa isa)
    {
        // First layers (1–7 input channels, stride 1 or 2): the phase-plane kernel where SIMD runs, the implicit GEMM
        // otherwise. Widths leave ragged last tiles (and tiles narrower than one), channel counts ragged last panels;
        // padding is asymmetric; a third of the cases add a residual; every activation; one and two images and threads.
        var rng = new Random(23 + (int)isa);
        using var pool = new WorkerPool(2);
        var expect = isa >= Isa.Vector128 ? ConvAlgorithm.FewChannels : ConvAlgorithm.ImplicitGemm;
        int[][] shapes =
        [
            // C, H, W, OC, k, stride, pad top, left, bottom, right
            [3, 40, 67, 24, 5, 2, 2, 2, 1, 2], [3, 23, 45, 32, 3, 2, 1, 1, 1, 1], [3, 19, 37, 16, 3, 1, 1, 1, 1, 1],
            [3, 30, 30, 64, 7, 2, 3, 3, 3, 3], [1, 9, 5, 7, 3, 1, 0, 0, 0, 0], [4, 12, 33, 13, 1, 2, 0, 0, 0, 0],
            [2, 17, 16, 6, 4, 2, 1, 2, 2, 1], [3, 8, 70, 5, 2, 1, 0, 1, 1, 0], [3, 5, 3, 11, 5, 1, 2, 2, 2, 2],
            [7, 14, 29, 20, 3, 1, 1, 1, 1, 1], [5, 21, 18, 9, 5, 2, 2, 1, 2, 1],
        ];
        for (int i = 0; i < shapes.Length * 2; i++)
        {
            var s = shapes[i % shapes.Length];
            var g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[4])
            { StrideH = s[5], StrideW = s[5], PadTop = s[6], PadLeft = s[7], PadBottom = s[8], PadRight = s[9] };
            Check(g, 1 + i % 2, isa, i % 3 == 0 ? null : pool, rng, (Activation)(i % 9), expect, residual: i % 3 == 1);
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void WideImagesPackAcrossPanelAndBlockBoundaries(Isa isa)
    {
        // Implicit im2col: output rows straddling panel (NR) and column-block (NC = 1024) boundaries, padding on
        // either side, strides 1-3, dilation, K over one KC block, two images.
        var rng = new Random(11 + (int)isa);
        using var pool = new WorkerPool(2);
        Check(new ConvGeometry(3, 37, 131, 5, 3, 3) { PadTop = 1, PadLeft = 2, PadRight = 1 }, 1, isa, pool, rng, Activation.Relu, ConvAlgorithm.ImplicitGemm, fewChannels: false);
        Check(new ConvGeometry(3, 67, 93, 7, 7, 7) { StrideH = 2, StrideW = 2, PadTop = 3, PadLeft = 3, PadBottom = 3, PadRight = 3 }, 1, isa, null, rng, Activation.LeakyRelu, ConvAlgorithm.ImplicitGemm, fewChannels: false);
        Check(new ConvGeometry(30, 20, 61, 9, 3, 3) { StrideH = 2, StrideW = 3, DilationW = 2, PadLeft = 4, PadRight = 1 }, 1, isa, pool, rng, Activation.Clip, ConvAlgorithm.ImplicitGemm);
        Check(new ConvGeometry(2, 40, 70, 6, 5, 5) { StrideH = 2, StrideW = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 }, 2, isa, pool, rng, Activation.None, ConvAlgorithm.ImplicitGemm, fewChannels: false);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void Depthwise3x3MatchesDirectConvolution(Isa isa)
    {
        // The row-pair kernel: stride 1/2, every padding up to 2, ragged and tiny widths, odd heights.
        var rng = new Random(77 + (int)isa);
        using var pool = new WorkerPool(2);
        for (int i = 0; i < 80; i++)
        {
            int s = 1 + i % 2, c = rng.Next(1, 6);
            int pt = rng.Next(3), pl = rng.Next(3), pb = rng.Next(3), pr = rng.Next(3);
            int h = Math.Max(rng.Next(1, 20), 3 - pt - pb), w = Math.Max(rng.Next(1, 70), 3 - pl - pr);
            var g = new ConvGeometry(c, h, w, c, 3, 3)
            {
                StrideH = s, StrideW = s, PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr, Groups = c,
            };
            Check(g, 1 + i % 3 / 2, isa, i % 2 == 0 ? pool : null, rng, (Activation)(i % 9), ConvAlgorithm.Depthwise, DepthwisePath.Planes);
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void NarrowDepthwise3x3PlanesMatchDirectConvolution(Isa isa)
    {
        // Narrow planes (rows narrower than a vector are computed into a scratch band): MobileNet's 7², 14², 28²,
        // widths around the vector sizes, paddings wider than the kernel needs, both strides, every activation.
        var rng = new Random(91 + (int)isa);
        int[] widths = [1, 2, 3, 4, 5, 7, 8, 9, 13, 14, 15, 16, 17, 28, 31, 32, 33];
        for (int i = 0; i < 60; i++)
        {
            int s = 1 + i % 2, c = rng.Next(1, 5);
            int pt = rng.Next(4), pl = rng.Next(4), pb = rng.Next(4), pr = rng.Next(4);
            int h = Math.Max(rng.Next(1, 16), 3 - pt - pb), w = Math.Max(widths[i % widths.Length], 3 - pl - pr);
            var g = new ConvGeometry(c, h, w, c, 3, 3)
            {
                StrideH = s, StrideW = s, PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr, Groups = c,
            };
            Check(g, 1 + i % 3 / 2, isa, null, rng, (Activation)(i % 9), ConvAlgorithm.Depthwise, DepthwisePath.Planes);
        }
        foreach (int size in new[] { 7, 14, 28 })
            Check(new ConvGeometry(24, size, size, 24, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 24 },
                1, isa, null, rng, Activation.Clip, ConvAlgorithm.Depthwise, DepthwisePath.Planes);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void Depthwise3x3BandsMatchDirectConvolution(Isa isa)
    {
        // Depthwise3x3 copies the input rows of 16 output rows at a time into a zero-bordered band: output heights
        // around the band size (odd ones leave a last row without a partner), stride 1 and 2, paddings 0-2 on each
        // side independently (TF "same" stride 2 is 0 before, 1 after), widths below, at and around the 4- and
        // 8-lane vectors and the overlapping last block, every activation with and without bias.
        var rng = new Random(313 + (int)isa);
        using var pool = new WorkerPool(2);
        int[] heights = [1, 2, 3, 15, 16, 17, 18, 31, 32, 33, 34, 35];
        int[] widths = [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 23, 24, 25, 33, 64, 67];
        for (int i = 0; i < 72; i++)
        {
            int s = 1 + i % 2, c = rng.Next(1, 4);
            int pt = rng.Next(3), pl = rng.Next(3), pb = rng.Next(3), pr = rng.Next(3);
            int oh = heights[i % heights.Length], ow = widths[i % widths.Length];
            // Input size giving that output size (at least one input row and column).
            int h = Math.Max(1, (oh - 1) * s + 3 - pt - pb), w = Math.Max(1, (ow - 1) * s + 3 - pl - pr);
            var g = new ConvGeometry(c, h, w, c, 3, 3)
            {
                StrideH = s, StrideW = s, PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr, Groups = c,
            };
            Check(g, 1 + i % 3 / 2, isa, i % 2 == 0 ? pool : null, rng, (Activation)(i % 9), ConvAlgorithm.Depthwise, DepthwisePath.Planes);
        }
        // BlazeFace's shapes as chosen by shape (Auto): "same" stride 2 and the plane sizes around the kernel switch.
        foreach (var (size, stride, pad) in new[] { (128, 2, 0), (64, 1, 1), (64, 2, 0), (32, 1, 1), (32, 2, 0), (16, 1, 1) })
            Check(new ConvGeometry(9, size, size, 9, 3, 3) { StrideH = stride, StrideW = stride, PadTop = pad, PadLeft = pad, PadBottom = 1, PadRight = 1, Groups = 9 },
                1, isa, pool, rng, Activation.None, ConvAlgorithm.Depthwise);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void InterleavedDepthwiseBlocksMatchDirectConvolution(Isa isa)
    {
        // The interleaved kernel computes 8 (or 4) pixels per block and shifts the last block left to end at the row's
        // end: every output width from 1 to 26 (blocks of 8, of 4, single pixels, overlaps of every length), 3×3 and
        // 5×5, both strides, Clip and other activations.
        var rng = new Random(515 + (int)isa);
        for (int ow = 1; ow <= 26; ow++)
        {
            int k = ow % 3 == 0 ? 5 : 3, s = 1 + ow % 2, c = 1 + ow % 10;
            int w = (ow - 1) * s + k - 2, h = rng.Next(1, 6) * s + k - 2;
            var g = new ConvGeometry(c, h, w, c, k, k) { StrideH = s, StrideW = s, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = c };
            Check(g, 1, isa, null, rng, (Activation)(ow % 9), ConvAlgorithm.Depthwise, DepthwisePath.Interleaved);
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void InterleavedDepthwiseMatchesDirectConvolution(Isa isa)
    {
        // Channel-interleaved kernel, forced on every shape it supports: channel counts around the vector width
        // (partial last block), kernels 1-7, strides 1-3, dilation, asymmetric padding (also wider than the kernel
        // needs, and cropped input rows/columns), 7-wide rows shorter than a transpose block, ragged flat tails.
        var rng = new Random(123 + (int)isa);
        using var pool = new WorkerPool(2);
        int[] channels = [1, 3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 33];
        for (int i = 0; i < 90; i++)
        {
            int c = channels[i % channels.Length];
            int kh = rng.Next(1, 8), kw = rng.Next(1, 8), s = rng.Next(1, 4), d = rng.Next(5) == 0 ? 2 : 1;
            int pt = rng.Next(0, kh + 1), pl = rng.Next(0, kw + 1), pb = rng.Next(0, kh + 1), pr = rng.Next(0, kw + 1);
            int h = Math.Max(rng.Next(1, 20), d * (kh - 1) + 1 - pt - pb), w = Math.Max(rng.Next(1, 30), d * (kw - 1) + 1 - pl - pr);
            var g = new ConvGeometry(c, h, w, c, kh, kw)
            {
                StrideH = s, StrideW = rng.Next(3) == 0 ? 1 : s, DilationH = d, DilationW = d,
                PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr, Groups = c,
            };
            Check(g, 1 + i % 3 / 2, isa, i % 2 == 0 ? pool : null, rng, (Activation)(i % 9), ConvAlgorithm.Depthwise, DepthwisePath.Interleaved);
        }
        // MobileNet's small planes as chosen by shape (Auto), with bias + Clip(0, 6).
        foreach (var (size, stride) in new[] { (7, 1), (14, 1), (14, 2), (28, 1), (28, 2), (56, 2) })
            Check(new ConvGeometry(40, size, size, 40, 3, 3) { StrideH = stride, StrideW = stride, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 40 },
                1, isa, pool, rng, Activation.Clip, ConvAlgorithm.Depthwise);
    }

    [Fact]
    public void InterleavedDepthwiseIsTheSameOnOneAndTwoThreads()
    {
        // Channels are split over threads in whole blocks, so the result may not depend on the split.
        var g = new ConvGeometry(37, 13, 11, 37, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 37 };
        var rng = new Random(9);
        var x = SgemmTests.Random(rng, g.InChannels * g.InHeight * g.InWidth);
        var w = SgemmTests.Random(rng, g.OutChannels * g.KernelSize);
        var bias = SgemmTests.Random(rng, g.OutChannels);
        var one = new float[g.OutChannels * g.OutHeight * g.OutWidth];
        var two = new float[one.Length];
        using var pool = new WorkerPool(2);
        fixed (float* px = x, pw = w, pb = bias, p1 = one, p2 = two)
        {
            using var kernel = Conv2dKernel.Create(g, pw, CpuFeatures.Best);
            kernel.DepthwisePath = DepthwisePath.Interleaved;
            var e = Epilogue.Clip(0, 6, pb, BiasKind.PerRow);
            kernel.Run(px, p1, 1, e, null);
            kernel.Run(px, p2, 1, e, pool);
        }
        Assert.Equal(one, two);
    }

    [Fact]
    public void BadGeometryIsAOneLineShapeError()
    {
        var g = new ConvGeometry(6, 8, 8, 4, 3, 3) { Groups = 4 };
        var e = Assert.Throws<ShapeException>(() => g.Validate());
        Assert.DoesNotContain("\n", e.Message);
        Assert.Throws<ShapeException>(() => new ConvGeometry(3, 2, 2, 4, 5, 5).Validate());
    }
}
