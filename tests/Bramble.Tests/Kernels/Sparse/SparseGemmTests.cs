using Bramble.Kernels;
using Bramble.Kernels.Sparse;
using Bramble.Kernels.Threading;

namespace Bramble.Tests.Kernels.Sparse;

public unsafe class SparseGemmTests
{
    private static float[] SparseRandom(Random rng, int count, double sparsity)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = rng.NextDouble() < sparsity ? 0f : (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    private static float[] Reference(float[] w, float[] x, float[]? bias, int m, int k, int n)
    {
        var y = new float[m * n];
        for (int r = 0; r < m; r++)
            for (int p = 0; p < n; p++)
            {
                double acc = bias?[r] ?? 0;
                for (int c = 0; c < k; c++) acc += (double)w[r * k + c] * x[c * n + p];
                y[r * n + p] = (float)acc;
            }
        return y;
    }

    [Theory]
    [InlineData(Isa.Scalar)]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector256)]
    [InlineData(Isa.Vector512)]
    public void MatchesDenseReferenceOnRandomShapesAndSparsities(Isa isa)
    {
        var rng = new Random(42 + (int)isa);
        using var pool = new WorkerPool(2);
        foreach (double sparsity in new[] { 0.0, 0.5, 0.8, 0.9, 0.97, 1.0 })
            for (int trial = 0; trial < 4; trial++)
            {
                int m = rng.Next(1, 40), k = rng.Next(1, 50), n = rng.Next(1, 100);
                var w = SparseRandom(rng, m * k, sparsity);
                var x = SparseRandom(rng, k * n, 0);
                var bias = trial % 2 == 0 ? SparseRandom(rng, m, 0) : null;
                var csr = CsrMatrix.FromDense(w, m, k);
                var y = new float[m * n];
                Array.Fill(y, float.NaN);
                fixed (float* px = x, pb = bias, py = y)
                    SparseGemm.Multiply(csr, px, pb, py, n, isa, trial < 2 ? pool : null);
                var expected = Reference(w, x, bias, m, k, n);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(MathF.Abs(expected[i] - y[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])),
                        $"{isa} {m}x{k}x{n} s={sparsity}: element {i} expected {expected[i]}, got {y[i]}");
            }
    }

    /// <summary>
    /// N around every strip width (a remainder runs a strip of 1–3 vectors shifted back to end at N), larger K
    /// (next-strip prefetch spread over rows): every path must give the scalar kernel's result bit for bit.
    /// </summary>
    [Theory]
    [InlineData(Isa.Scalar)]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Vector256)]
    public void StripRemaindersMatchTheScalarKernelExactly(Isa isa)
    {
        var rng = new Random(7 + (int)isa);
        using var pool = new WorkerPool(3);
        foreach (int k in new[] { 1, 2, 45, 300 })
            foreach (int n in new[] { 3, 4, 5, 8, 9, 15, 16, 17, 24, 25, 31, 32, 33, 40, 49, 63, 64, 65, 100 })
            {
                int m = rng.Next(1, 12);
                var w = SparseRandom(rng, m * k, rng.NextDouble());
                var x = SparseRandom(rng, k * n, 0);
                var bias = n % 2 == 0 ? SparseRandom(rng, m, 0) : null;
                var csr = CsrMatrix.FromDense(w, m, k);
                var expected = new float[m * n];
                var y = new float[m * n];
                Array.Fill(y, float.NaN);
                fixed (float* px = x, pb = bias, py = y, pe = expected)
                {
                    SparseGemm.Multiply(csr, px, pb, pe, n, Isa.Scalar, null);
                    SparseGemm.Multiply(csr, px, pb, py, n, isa, n % 3 == 0 ? pool : null);
                }
                // The scalar kernel always fuses; vectors fuse only where the CPU has FMA (not in the Vector128 rerun).
                if (System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported || isa == Isa.Scalar)
                    Assert.Equal(expected, y);
                var reference = Reference(w, x, bias, m, k, n);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(MathF.Abs(reference[i] - y[i]) <= 1e-4f * (1 + MathF.Abs(reference[i])),
                        $"{isa} {m}x{k}x{n}: element {i} expected {reference[i]}, got {y[i]}");
            }
    }

    [Fact]
    public void CsrKeepsExactlyTheNonZeros()
    {
        var csr = CsrMatrix.FromDense(new float[] { 0, 2, 0, 3, 0, 0, 0, 0, 4 }, 3, 3);
        Assert.Equal(new float[] { 2, 3, 4 }, csr.Values);
        Assert.Equal(new[] { 1, 0, 2 }, csr.Columns);
        Assert.Equal(new[] { 0, 1, 2, 3 }, csr.RowStart);
        Assert.Equal(2.0 / 3, csr.Sparsity, 9);
    }

    [Fact]
    public void MalformedCsrIsRejected()
    {
        Assert.Throws<ShapeException>(() => new CsrMatrix(2, 3, [1f, 2f], [0, 3], [0, 1, 2]));
        Assert.Throws<ShapeException>(() => new CsrMatrix(2, 3, [1f, 2f], [0, 1], [0, 2, 1]));
        Assert.Throws<ShapeException>(() => new CsrMatrix(2, 3, [1f, 2f], [0, 1], [0, 1]));
    }
}
