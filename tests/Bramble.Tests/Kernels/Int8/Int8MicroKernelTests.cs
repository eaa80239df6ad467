using System.Runtime.Intrinsics;
using Bramble.Kernels;
using Bramble.Kernels.Int8;

namespace Bramble.Tests.Kernels.Int8;

public unsafe class Int8MicroKernelTests
{
    [Theory]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector256)]
    public void VectorKernelsMatchScalarAtExtremes(Isa isa)
    {
        if (isa > CpuFeatures.Best) return;
        var rng = new Random(3);
        foreach (int kPairs in new[] { 1, 2, 7, 64, 300 })
        {
            // Values of ±255 (the extremes of x − zp and w − zp) would saturate pmaddubsw; pmaddwd must not.
            var a = new int[kPairs * Int8MicroKernels.MR];
            var b = new int[kPairs * Int8MicroKernels.Panel * 2];
            for (int i = 0; i < a.Length; i++) a[i] = Int8MicroKernels.Pair(Extreme(rng), Extreme(rng));
            for (int i = 0; i < b.Length; i++) b[i] = Int8MicroKernels.Pair(Extreme(rng), Extreme(rng));
            var expected = new int[64];
            var actual = new int[64];
            fixed (int* pa = a, pb = b, pe = expected, pr = actual)
            {
                int* b1 = pb + kPairs * Int8MicroKernels.Panel;
                Int8MicroKernels.ScalarKernel(pa, pb, b1, kPairs, pe);
                Int8MicroKernels.Run(isa, pa, pb, b1, kPairs, pr);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void ScalarKernelIsTheDotProduct()
    {
        int* a = stackalloc int[4], b0 = stackalloc int[8], b1 = stackalloc int[8], acc = stackalloc int[64];
        for (int r = 0; r < 4; r++) a[r] = Int8MicroKernels.Pair(255, -255 + r);
        for (int c = 0; c < 8; c++) { b0[c] = Int8MicroKernels.Pair(-255, 255); b1[c] = Int8MicroKernels.Pair(c, -c); }
        Int8MicroKernels.ScalarKernel(a, b0, b1, 1, acc);
        Assert.Equal(255 * -255 + -255 * 255, acc[0]);
        Assert.Equal(255 * -255 + -252 * 255, acc[3 * 16]);
        Assert.Equal(255 * 5 + (-255 + 2) * -5, acc[2 * 16 + 13]);
    }

    [Fact]
    public void PortablePairDotMatchesPmaddwd()
    {
        var rng = new Random(5);
        for (int t = 0; t < 1000; t++)
        {
            var x = Vector128.Create(Next(rng), Next(rng), Next(rng), Next(rng));
            var w = Vector128.Create(Next(rng), Next(rng), Next(rng), Next(rng));
            var portable = Int8MicroKernels.PairDotPortable(x, w);
            for (int i = 0; i < 4; i++)
            {
                int xi = x.GetElement(i), wi = w.GetElement(i);
                Assert.Equal((short)xi * (short)wi + (xi >> 16) * (wi >> 16), portable.GetElement(i));
            }
        }
    }

    [Fact]
    public void RequantizeRoundsHalfToEvenAndSaturates()
    {
        Assert.Equal(2, Requantize.One(5, 0.5f, 0, 0, 255));   // 2.5 → 2
        Assert.Equal(4, Requantize.One(7, 0.5f, 0, 0, 255));   // 3.5 → 4
        Assert.Equal(255, Requantize.One(int.MaxValue, 1f, 0, 0, 255));
        Assert.Equal(-128, Requantize.One(-100000, 1f, 3, -128, 127));
        Assert.Equal(10, Requantize.One(-7, 1f, 0, 10, 255));  // fused Relu range
        Assert.Equal(0, Requantize.Quantize(float.NegativeInfinity, 0.1f, 5, 0, 255));
    }

    private static int Extreme(Random rng) => rng.Next(4) switch { 0 => 255, 1 => -255, _ => rng.Next(-255, 256) };
    private static int Next(Random rng) => Int8MicroKernels.Pair(rng.Next(-255, 256), rng.Next(-255, 256));
}
