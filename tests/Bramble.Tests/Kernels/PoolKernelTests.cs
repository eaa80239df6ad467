using Bramble.Kernels;
using Bramble.Kernels.Pool;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;

namespace Bramble.Tests.Kernels;

public unsafe class PoolKernelTests
{
    public static TheoryData<Isa> Caps() => ConvKernelTests.Caps();

    private static PoolParameters Parameters(int batch, int channels, in PoolGeometry2d g) => new(batch, channels, new SlidingWindow
    {
        SpatialRank = 2,
        Input = [1, g.InHeight, g.InWidth],
        Output = [1, g.OutHeight, g.OutWidth],
        Kernel = [1, g.KernelH, g.KernelW],
        Stride = [1, g.StrideH, g.StrideW],
        Dilation = [1, 1, 1],
        PadBegin = [0, g.PadTop, g.PadLeft],
        PadEnd = [0, g.PadBottom, g.PadRight],
    });

    /// <summary>ONNX output size, floor or ceil; a ceil window starting in the end padding is dropped.</summary>
    private static int OutSize(int input, int k, int s, int pb, int pe, bool ceil)
    {
        int span = input + pb + pe - k;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= input + pb) o--;
        return o;
    }

    private static PoolGeometry2d RandomGeometry(Random rng, int i)
    {
        // Favour the shapes networks use (2×2 s2, 3×3 s2, Darknet's 2×2 s1), then anything.
        (int k, int s) = (i % 4) switch { 0 => (2, 2), 1 => (3, 2), 2 => (2, 1), _ => (rng.Next(1, 6), rng.Next(1, 4)) };
        int kh = k, kw = i % 7 == 0 ? rng.Next(1, 5) : k;
        int pt = rng.Next(kh), pl = rng.Next(kw), pb = rng.Next(kh), pr = rng.Next(kw);
        int h = Math.Max(rng.Next(1, 20), kh), w = Math.Max(rng.Next(1, 80), kw);
        bool ceil = rng.Next(3) == 0;
        return new PoolGeometry2d(h, w, OutSize(h, kh, s, pt, pb, ceil), OutSize(w, kw, s, pl, pr, ceil), kh, kw, s, s, pt, pl, pb, pr);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void RandomPoolsMatchReference(Isa isa)
    {
        var rng = new Random(11 + (int)isa);
        using var pool = new WorkerPool(2);
        for (int i = 0; i < 150; i++)
        {
            var g = RandomGeometry(rng, i);
            int batch = 1 + i % 2, channels = rng.Next(1, 6);
            var p = Parameters(batch, channels, g);
            var x = SgemmTests.Random(rng, batch * channels * g.InHeight * g.InWidth);
            var kind = (PoolKind)(i % 3);
            var expected = new float[batch * channels * g.OutHeight * g.OutWidth];
            if (kind == PoolKind.Max) PoolReference.Max<float>(p, x, expected, default, false);
            else PoolReference.Average(p, x, expected, kind == PoolKind.AverageIncludePad);
            var y = new float[expected.Length];
            // Max pools alternate between the kernel chosen by shape, the width-vectorised one and the interleaved one.
            bool? interleaved = (i / 3 % 3) switch { 0 => null, 1 => false, _ => true };
            fixed (float* px = x, py = y) Pool2dKernel.Run(kind, g, px, py, batch * channels, i % 2 == 0 ? pool : null, isa, interleaved);
            for (int j = 0; j < y.Length; j++)
                if (!(MathF.Abs(y[j] - expected[j]) <= 1e-5f * MathF.Max(1, MathF.Abs(expected[j]))))
                    Assert.Fail($"{kind} {g} cap {isa}: element {j} expected {expected[j]} got {y[j]}");
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void ThreeWideStride2PoolsMatchReference(Isa isa)
    {
        // The rows-first 3-wide stride-2 path: SqueezeNet's ceil-mode pools, ResNet's padded one, odd widths
        // around the vector sizes, every kind, kernel heights 1 to 4.
        var rng = new Random(23 + (int)isa);
        var shapes = new List<PoolGeometry2d>
        {
            new(111, 111, 55, 55, 3, 3, 2, 2, 0, 0, 0, 0),
            new(55, 55, 27, 27, 3, 3, 2, 2, 0, 0, 0, 0),
            new(27, 27, 13, 13, 3, 3, 2, 2, 0, 0, 0, 0),
            new(112, 112, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1),
        };
        for (int i = 0; i < 40; i++)
        {
            int kh = 1 + i % 4, pt = rng.Next(kh), pb = rng.Next(kh), pl = rng.Next(3), pr = rng.Next(3);
            int h = Math.Max(rng.Next(1, 12), kh), w = rng.Next(3, 90);
            bool ceil = i % 2 == 0;
            shapes.Add(new PoolGeometry2d(h, w, OutSize(h, kh, 2, pt, pb, ceil), OutSize(w, 3, 2, pl, pr, ceil), kh, 3, 2, 2, pt, pl, pb, pr));
        }
        for (int i = 0; i < shapes.Count; i++)
        {
            var g = shapes[i];
            var kind = (PoolKind)(i % 3);
            int channels = 1 + i % 3;
            var p = Parameters(1, channels, g);
            var x = SgemmTests.Random(rng, channels * g.InHeight * g.InWidth);
            var expected = new float[channels * g.OutHeight * g.OutWidth];
            if (kind == PoolKind.Max) PoolReference.Max<float>(p, x, expected, default, false);
            else PoolReference.Average(p, x, expected, kind == PoolKind.AverageIncludePad);
            var y = new float[expected.Length];
            fixed (float* px = x, py = y) Pool2dKernel.Run(kind, g, px, py, channels, null, isa, interleaved: false);
            for (int j = 0; j < y.Length; j++)
                if (!(MathF.Abs(y[j] - expected[j]) <= 1e-5f * MathF.Max(1, MathF.Abs(expected[j]))))
                    Assert.Fail($"{kind} {g} cap {isa}: element {j} expected {expected[j]} got {y[j]}");
        }
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void SeparableMaxPoolsMatchReference(Isa isa)
    {
        // Down-then-across max pools on their own (narrow rows too: outputs under one vector) and by shape (rows of 48 or
        // more): kernels 1-5, strides 1-2 (wider ones are not its), padding and ceil mode, both thread counts.
        var rng = new Random(53 + (int)isa);
        using var pool = new WorkerPool(2);
        int ran = 0;
        for (int i = 0; i < 160; i++)
        {
            var g = RandomGeometry(rng, i);
            if (i % 2 == 1)
            {
                int w = rng.Next(48, 130);
                g = g with { InWidth = w, OutWidth = OutSize(w, g.KernelW, g.StrideW, g.PadLeft, g.PadRight, rng.Next(2) == 0) };
            }
            if (!SeparableMaxPool.Supports(g, CpuFeatures.Effective(isa))) continue;
            ran++;
            int channels = rng.Next(1, 6);
            var p = Parameters(1, channels, g);
            var x = SgemmTests.Random(rng, channels * g.InHeight * g.InWidth);
            var expected = new float[channels * g.OutHeight * g.OutWidth];
            PoolReference.Max<float>(p, x, expected, default, false);
            var y = new float[expected.Length];
            fixed (float* px = x, py = y)
            {
                if (i % 2 == 1) Pool2dKernel.Run(PoolKind.Max, g, px, py, channels, i % 4 == 1 ? pool : null, isa);
                else SeparableMaxPool.Run(g, px, py, channels, i % 4 == 0 ? pool : null, CpuFeatures.Effective(isa));
            }
            Assert.Equal(expected, y);
        }
        if (isa >= Isa.Vector128) Assert.True(ran > 60, $"only {ran} geometries ran the separable kernel");
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void InterleavedMaxPoolsMatchReference(Isa isa)
    {
        // Planes interleaved a vector at a time: plane counts around the vector width (partial last block), kernels
        // 1-5, strides 1-3, padding and ceil mode (windows reaching into the padding), flat tails, both thread counts.
        var rng = new Random(31 + (int)isa);
        using var pool = new WorkerPool(2);
        int[] planeCounts = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 40];
        int ran = 0;
        for (int i = 0; i < 120; i++)
        {
            var g = RandomGeometry(rng, i);
            if (!MaxPoolInterleaved.Supports(g, CpuFeatures.Effective(isa))) continue;
            ran++;
            int channels = planeCounts[i % planeCounts.Length];
            var p = Parameters(1, channels, g);
            var x = SgemmTests.Random(rng, channels * g.InHeight * g.InWidth);
            var expected = new float[channels * g.OutHeight * g.OutWidth];
            PoolReference.Max<float>(p, x, expected, default, false);
            var y = new float[expected.Length];
            fixed (float* px = x, py = y) Pool2dKernel.Run(PoolKind.Max, g, px, py, channels, i % 2 == 0 ? pool : null, isa, interleaved: true);
            Assert.Equal(expected, y);
        }
        // SqueezeNet's ceil-mode pools by shape, more planes than the split threshold.
        foreach (var g in new PoolGeometry2d[] { new(27, 27, 13, 13, 3, 3, 2, 2, 0, 0, 0, 0), new(13, 13, 6, 6, 3, 3, 2, 2, 0, 0, 1, 1) })
        {
            var p = Parameters(1, 70, g);
            var x = SgemmTests.Random(rng, 70 * g.InHeight * g.InWidth);
            var expected = new float[70 * g.OutHeight * g.OutWidth];
            PoolReference.Max<float>(p, x, expected, default, false);
            var y = new float[expected.Length];
            fixed (float* px = x, py = y) Pool2dKernel.Run(PoolKind.Max, g, px, py, 70, pool, isa);
            Assert.Equal(expected, y);
        }
        if (CpuFeatures.Effective(isa) >= Isa.Vector128) Assert.True(ran > 40, $"only {ran} random geometries ran");
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void GlobalAverageMatchesReference(Isa isa)
    {
        var rng = new Random(3);
        using var pool = new WorkerPool(2);
        foreach (int size in new[] { 1, 3, 7, 8, 31, 49, 64, 100, 3136, 20000 })
        {
            int planes = rng.Next(1, 9);
            var x = SgemmTests.Random(rng, planes * size);
            var expected = new float[planes];
            GlobalPool.Run(GlobalPoolKind.Average, x, expected, planes, size, 0);
            var y = new float[planes];
            fixed (float* px = x, py = y) GlobalAveragePoolKernel.Run(px, py, planes, size, size > 1000 ? pool : null, isa);
            for (int j = 0; j < planes; j++) Assert.True(MathF.Abs(y[j] - expected[j]) <= 1e-5f, $"size {size} plane {j}: {expected[j]} vs {y[j]}");
        }
    }

    [Fact]
    public void BadGeometryIsAOneLineShapeError()
    {
        var e = Assert.Throws<ShapeException>(() => new PoolGeometry2d(4, 4, 2, 2, 0, 2, 2, 2, 0, 0, 0, 0).Validate());
        Assert.DoesNotContain("\n", e.Message);
    }
}
