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
        // Pair halves of ±255, the extremes of x − zp and w − zp.
        int Word() => Int8MicroKernels.Pair(Extreme(rng), Extreme(rng));
        AssertVectorMatchesScalar(rng, [1, 2, 9, 64, 577], Word, Word, &PairPlaneKernels.ScalarKernel,
            (a, x, o, k, acc) => PairPlaneKernels.Run(isa, a, x, o, k, acc));
    }

    /// <summary>Random windows (offsets anywhere in the buffer) of random words: the vector kernel's tile equals the scalar one's.</summary>
    private static void AssertVectorMatchesScalar(Random rng, int[] stepCounts, Func<int> weight, Func<int> activation,
        delegate*<int*, int*, int*, int, int*, void> scalar, KernelCall vector)
    {
        const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
        foreach (int steps in stepCounts)
        {
            int span = 3 * steps + 40;
            var a = new int[steps * MR];
            var x = new int[span + NR];
            var offsets = new int[steps];
            for (int i = 0; i < a.Length; i++) a[i] = weight();
            for (int i = 0; i < x.Length; i++) x[i] = activation();
            for (int i = 0; i < steps; i++) offsets[i] = rng.Next(span + 1);
            var expected = new int[MR * NR];
            var actual = new int[MR * NR];
            fixed (int* pa = a, px = x, po = offsets, pe = expected, pr = actual)
            {
                scalar(pa, px, po, steps, pe);
                vector(pa, px, po, steps, pr);
            }
            Assert.Equal(expected, actual);
        }
    }

    private delegate void KernelCall(int* a, int* x, int* offsets, int steps, int* acc);

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
        // Weights at ±64 (the largest |w| pmaddubsw sums exactly) against activations of 0 and 255.
        AssertVectorMatchesScalar(rng, [1, 3, 9, 64, 301],
            () => Quad(() => rng.Next(3) switch { 0 => 64, 1 => -64, _ => rng.Next(-64, 65) }),
            () => Quad(() => rng.Next(3) switch { 0 => 255, 1 => 0, _ => rng.Next(256) }),
            &QuadPlaneKernels.ScalarKernel, (a, x, o, k, acc) => QuadPlaneKernels.Run(isa, a, x, o, k, acc));
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

    private static int Quad(Func<int> value) =>
        (value() & 0xFF) | (value() & 0xFF) << 8 | (value() & 0xFF) << 16 | (value() & 0xFF) << 24;

    private static int Extreme(Random rng) => rng.Next(4) switch { 0 => 255, 1 => -255, _ => rng.Next(-255, 256) };
}
