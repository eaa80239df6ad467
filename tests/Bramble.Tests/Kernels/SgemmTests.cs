using Bramble.Kernels;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Tests.Kernels;

public unsafe class SgemmTests
{
    /// <summary>Kernels to check: every variant this CPU can execute at speed, plus the 512-bit one even
    /// where it is only emulated (slow, so it gets fewer shapes), so its tiling logic is covered everywhere.</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var k in GemmKernel.All) data.Add(k.Name);
        return data;
    }

    internal static GemmKernel KernelNamed(string name) => Array.Find(GemmKernel.All, k => k.Name == name)!;

    internal static bool IsFast(GemmKernel k) => k.Isa <= CpuFeatures.Best;

    internal static float[] Random(Random rng, int length)
    {
        var a = new float[length];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>The definition: C = alpha·op(A)·op(B) + beta·C, then bias and activation, in double.</summary>
    private static float[] Reference(int m, int n, int k, float alpha, float[] a, int lda, bool ta, float[] b, int ldb, bool tb,
        float beta, float[] c, int ldc, Activation act, float p0, float p1, float[]? bias, BiasKind kind, float[]? residual, int ldr)
    {
        var r = (float[])c.Clone();
        var e = new Epilogue(act, p0, p1);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int q = 0; q < k; q++)
                    s += (double)(ta ? a[q * lda + i] : a[i * lda + q]) * (tb ? b[j * ldb + q] : b[q * ldb + j]);
                double v = alpha * s + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]);
                if (kind == BiasKind.PerRow) v += bias![i];
                if (kind == BiasKind.PerColumn) v += bias![j];
                if (residual != null) v += residual[i * ldr + j];
                r[i * ldc + j] = e.ApplyScalar((float)v);
            }
        return r;
    }

    private static void AssertClose(float[] expected, float[] actual, int k, string what)
    {
        float tol = 3e-6f * (k + 8);
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(expected[i] - actual[i]);
            if (!(d <= tol * MathF.Max(1, MathF.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} expected {expected[i]} got {actual[i]}");
        }
    }

    private enum Mode { Dense, PackedA, PackedB }

    private static void RunCase(GemmKernel kernel, Random rng, int m, int n, int k, WorkerPool? pool, Mode mode, bool? transB = null)
    {
        bool ta = rng.Next(2) == 0, tb = transB ?? rng.Next(2) == 0;
        int lda = (ta ? m : k) + rng.Next(3), ldb = (tb ? k : n) + rng.Next(3), ldc = n + rng.Next(3);
        var a = Random(rng, Math.Max(1, (ta ? k : m) * lda));
        var b = Random(rng, Math.Max(1, (tb ? n : k) * ldb));
        var c = Random(rng, Math.Max(1, m * ldc));
        (float alpha, float beta) = rng.Next(4) switch { 0 => (1f, 0f), 1 => (1f, 1f), 2 => (0.5f, -2f), _ => (-1.5f, 0f) };
        var act = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
        float p0 = act == Activation.Clip ? -0.3f : act == Activation.HardSigmoid ? 0.2f : 0.1f;
        float p1 = act == Activation.Clip ? 0.4f : act == Activation.HardSigmoid ? 0.5f : 0f;
        var kind = (BiasKind)rng.Next(3);
        var bias = Random(rng, Math.Max(m, n));
        // A third of the cases add a residual (Conv → Add fusion), with its own row stride.
        int ldr = n + rng.Next(3);
        var residual = rng.Next(3) == 0 ? Random(rng, Math.Max(1, m * ldr)) : null;
        var expected = Reference(m, n, k, alpha, a, lda, ta, b, ldb, tb, beta, c, ldc, act, p0, p1, kind == BiasKind.None ? null : bias, kind, residual, ldr);
        // Elements past N in a row (ldc padding) must stay untouched: they are part of `c` and compared too.
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pr = residual)
        {
            var e = new Epilogue(act, p0, p1, kind == BiasKind.None ? null : pbias, kind);
            if (residual != null) e = e.WithResidual(pr, ldr);
            switch (mode)
            {
                case Mode.Dense:
                    Sgemm.Multiply(kernel, m, n, k, alpha, pa, lda, ta, pb, ldb, tb, beta, pc, ldc, e, pool);
                    break;
                case Mode.PackedA:
                    using (var packed = PackedMatrix.PackAWith(kernel, pa, lda, ta, m, k))
                        Sgemm.Multiply(packed, n, alpha, pb, ldb, tb, beta, pc, ldc, e, pool);
                    break;
                case Mode.PackedB:
                    using (var packed = PackedMatrix.PackBWith(kernel, pb, ldb, tb, k, n))
                        Sgemm.Multiply(m, alpha, pa, lda, ta, packed, beta, pc, ldc, e, pool);
                    break;
            }
        }
        AssertClose(expected, c, k, $"{kernel.Name} {mode} M={m} N={n} K={k} ta={ta} tb={tb} alpha={alpha} beta={beta} {act} bias={kind} residual={residual != null} threads={pool?.ThreadCount ?? 1}");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void SmallShapesMatchReference(string name)
    {
        var kernel = KernelNamed(name);
        var rng = new Random(1234 + name.Length);
        using var pool = new WorkerPool(2);
        int cases = IsFast(kernel) ? 400 : 60;
        for (int i = 0; i < cases; i++)
        {
            int m = rng.Next(1, 41), n = rng.Next(1, 41), k = rng.Next(1, 41);
            RunCase(kernel, rng, m, n, k, i % 2 == 0 ? null : pool, (Mode)(i % 3));
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryDimensionOneToFortyOnItsOwn(string name)
    {
        var kernel = KernelNamed(name);
        if (!IsFast(kernel)) return; // the emulated 512-bit path is covered by the random shapes
        var rng = new Random(99);
        for (int d = 1; d <= 40; d++)
        {
            RunCase(kernel, rng, d, 17, 9, null, Mode.Dense);
            RunCase(kernel, rng, 7, d, 13, null, Mode.Dense);
            RunCase(kernel, rng, 11, 5, d, null, Mode.Dense);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LargeOddShapesCrossBlockBoundaries(string name)
    {
        var kernel = KernelNamed(name);
        var rng = new Random(7);
        using var pool = new WorkerPool(2);
        int[][] shapes = IsFast(kernel)
            ? [[127, 129, 300], [300, 127, 129], [37, 1100, 257], [1, 300, 513], [200, 1, 70], [129, 65, 127]]
            : [[41, 70, 260]];
        int i = 0;
        foreach (var s in shapes)
        {
            RunCase(kernel, rng, s[0], s[1], s[2], i % 2 == 0 ? pool : null, (Mode)(i % 3));
            i++;
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void FewRowsReadBInPlaceAcrossBlocksAndRaggedTiles(string name)
    {
        // Packed A with at most 64 rows reads a non-transposed B in place: depths across KC blocks, widths across NC
        // blocks with a ragged last tile, rows that do not fill a tile, with and without the pool.
        var kernel = KernelNamed(name);
        var rng = new Random(31);
        using var pool = new WorkerPool(2);
        int[][] shapes = IsFast(kernel)
            ? [[16, 1100, 300], [64, 37, 520], [1, 1029, 24], [40, 16, 257], [7, 2053, 64]]
            : [[16, 70, 260]];
        int i = 0;
        foreach (var s in shapes)
        {
            Assert.True(Sgemm.ReadsBInPlace(s[0], s[2], s[1]), $"M={s[0]} K={s[2]} N={s[1]} should read B in place");
            RunCase(kernel, rng, s[0], s[1], s[2], i++ % 2 == 0 ? pool : null, Mode.PackedA, transB: false);
        }
    }

    [Fact]
    public void BIsPackedForManyRowsOrRowStridesThatShareL1Sets()
    {
        Assert.True(Sgemm.ReadsBInPlace(16, 64, 3025));
        Assert.False(Sgemm.ReadsBInPlace(65, 64, 3025));
        // A 128² plane: every row of B 64 KiB apart, all in one L1 set.
        Assert.False(Sgemm.ReadsBInPlace(24, 24, 128 * 128));
        Assert.True(Sgemm.ReadsBInPlace(24, 8, 128 * 128));
        // 112²: rows 4 apart share a set, so 32 rows fill its 8 ways and 64 overflow them.
        Assert.True(Sgemm.ReadsBInPlace(16, 32, 112 * 112));
        Assert.False(Sgemm.ReadsBInPlace(16, 64, 112 * 112));
    }

    [Fact]
    public void ZeroDepthScalesCAndAppliesTheEpilogue()
    {
        var c = new float[] { 1, -2, 3, -4 };
        fixed (float* pc = c)
            Sgemm.Multiply(2, 2, 0, 1, null, 1, false, null, 2, false, 2f, pc, 2, Epilogue.Relu(), null, Isa.Scalar);
        Assert.Equal(new float[] { 2, 0, 6, 0 }, c);
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = new float[] { 1, 2 };
        var b = new float[] { 3, 4 };
        var c = new float[] { float.NaN };
        foreach (var kernel in GemmKernel.All)
        {
            c[0] = float.NaN;
            fixed (float* pa = a, pb = b, pc = c)
                Sgemm.Multiply(kernel, 1, 1, 2, 1, pa, 2, false, pb, 1, false, 0, pc, 1, Epilogue.None, null);
            Assert.Equal(11f, c[0]);
        }
    }

    [Fact]
    public void FusedReluAndClipTurnNaNIntoTheLowerBound()
    {
        // In-register (full tiles) and row-pass (ragged tiles) epilogues are the CPU's max then min with x first:
        // NaN becomes the lower bound everywhere, as Relu's scalar definition gives.
        int m = 13, n = 37, k = 3;
        var a = new float[m * k];
        Array.Fill(a, float.NaN);
        var b = new float[k * n];
        var c = new float[m * n];
        foreach (var kernel in GemmKernel.All)
            foreach (var (e, low) in new[] { (Epilogue.Relu(), 0f), (Epilogue.Clip(-0.5f, 2f), -0.5f) })
            {
                fixed (float* pa = a, pb = b, pc = c)
                    Sgemm.Multiply(kernel, m, n, k, 1, pa, k, false, pb, n, false, 0, pc, n, e, null);
                foreach (float v in c) Assert.Equal(low, v);
            }
    }

    [Fact]
    public void CapSelectsNarrowerKernels()
    {
        Assert.Equal(Isa.Scalar, GemmKernel.Select(Isa.Scalar).Isa);
        Assert.True(GemmKernel.Select(Isa.Vector128).Isa <= Isa.Vector128);
        Assert.Equal(CpuFeatures.Best, GemmKernel.Select(Isa.Vector512).Isa);
    }

    [Fact]
    public void GemmAllocatesNothingAfterWarmUp()
    {
        var rng = new Random(3);
        var a = Random(rng, 64 * 64);
        var b = Random(rng, 64 * 64);
        var c = new float[64 * 64];
        using var pool = new WorkerPool(2);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var e = Epilogue.Relu();
            for (int i = 0; i < 5; i++) Sgemm.Multiply(64, 64, 64, 1, pa, 64, false, pb, 64, false, 0, pc, 64, e, pool, Isa.Vector512);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) Sgemm.Multiply(64, 64, 64, 1, pa, 64, false, pb, 64, false, 0, pc, 64, e, pool, Isa.Vector512);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
