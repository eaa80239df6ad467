using Bramble.Kernels;
using Bramble.Kernels.Int8;

namespace Bramble.Tests.Kernels.Int8;

/// <summary>The pair- and quad-plane micro-kernels (windows read at per-step offsets) against the scalar definitions and by hand.</summary>
public unsafe class PlaneKernelTests
{
    [Theory]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector256)]
    public void VectorKernelsMatchScalarAtExtremesAndRandomOffsets(Isa isa)
    {
        if (isa > CpuFeatures.Best) return;
        var rng = new Random(11);
        foreach (int kPairs in new[] { 1, 2, 9, 64, 577 })
        {
            const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
            int span = 3 * kPairs + 40;
            var a = new int[kPairs * MR];
            var x = new int[span + NR];
            var offsets = new int[kPairs];
            for (int i = 0; i < a.Length; i++) a[i] = Int8MicroKernels.Pair(Extreme(rng), Extreme(rng));
            for (int i = 0; i < x.Length; i++) x[i] = Int8MicroKernels.Pair(Extreme(rng), Extreme(rng));
            for (int i = 0; i < kPairs; i++) offsets[i] = rng.Next(span + 1);
            var expected = new int[MR * NR];
            var actual = new int[MR * NR];
            fixed (int* pa = a, px = x, po = offsets, pe = expected, pr = actual)
            {
                PairPlaneKernels.ScalarKernel(pa, px, po, kPairs, pe);
                PairPlaneKernels.Run(isa, pa, px, po, kPairs, pr);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void ScalarKernelReadsEachPairsWindow()
    {
        const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
        var a = new int[2 * MR];
        var x = new int[40];
        for (int i = 0; i < x.Length; i++) x[i] = Int8MicroKernels.Pair(i, -i);
        for (int r = 0; r < MR; r++) { a[r] = Int8MicroKernels.Pair(r, 1); a[MR + r] = Int8MicroKernels.Pair(2, -255); }
        var offsets = new[] { 0, 20 };
        var acc = new int[MR * NR];
        fixed (int* pa = a, px = x, po = offsets, pc = acc) PairPlaneKernels.ScalarKernel(pa, px, po, 2, pc);
        // Row r, column c: (r·c + 1·(−c)) from window 0, plus (2·(20+c) − 255·(−(20+c))) from window 20.
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++)
                Assert.Equal(r * c - c + 257 * (20 + c), acc[r * NR + c]);
    }

    [Theory]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector256)]
    public void QuadKernelsMatchScalarAtTheExactRangesEdges(Isa isa)
    {
        if (isa > CpuFeatures.Best || !QuadPlaneKernels.Supported) return;
        var rng = new Random(13);
        foreach (int kQuads in new[] { 1, 3, 9, 64, 301 })
        {
            const int MR = QuadPlaneKernels.MR, NR = QuadPlaneKernels.NR;
            int span = 3 * kQuads + 40;
            var a = new int[kQuads * MR];
            var x = new int[span + NR];
            var offsets = new int[kQuads];
            // Weights at ±64 (the largest |w| pmaddubsw sums exactly) against activations of 0 and 255.
            for (int i = 0; i < a.Length; i++) a[i] = Quad(rng, () => rng.Next(3) switch { 0 => 64, 1 => -64, _ => rng.Next(-64, 65) });
            for (int i = 0; i < x.Length; i++) x[i] = Quad(rng, () => rng.Next(3) switch { 0 => 255, 1 => 0, _ => rng.Next(256) });
            for (int i = 0; i < kQuads; i++) offsets[i] = rng.Next(span + 1);
            var expected = new int[MR * NR];
            var actual = new int[MR * NR];
            fixed (int* pa = a, px = x, po = offsets, pe = expected, pr = actual)
            {
                QuadPlaneKernels.ScalarKernel(pa, px, po, kQuads, pe);
                QuadPlaneKernels.Run(isa, pa, px, po, kQuads, pr);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void QuadScalarKernelMultipliesUnsignedBytesBySignedBytes()
    {
        const int MR = QuadPlaneKernels.MR, NR = QuadPlaneKernels.NR;
        var a = new int[MR];
        var x = new int[NR];
        for (int r = 0; r < MR; r++) a[r] = 0xC0 | 1 << 8 | (-r & 0xFF) << 16 | 64 << 24; // bytes −64, 1, −r, 64
        for (int c = 0; c < NR; c++) x[c] = 255 | c << 8 | 2 << 16 | 255 << 24;
        var offsets = new[] { 0 };
        var acc = new int[MR * NR];
        fixed (int* pa = a, px = x, po = offsets, pc = acc) QuadPlaneKernels.ScalarKernel(pa, px, po, 1, pc);
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++)
                Assert.Equal(255 * -64 + c - 2 * r + 255 * 64, acc[r * NR + c]);
    }

    private static int Quad(Random rng, Func<int> value) =>
        (value() & 0xFF) | (value() & 0xFF) << 8 | (value() & 0xFF) << 16 | (value() & 0xFF) << 24;

    private static int Extreme(Random rng) => rng.Next(4) switch { 0 => 255, 1 => -255, _ => rng.Next(-255, 256) };
}
