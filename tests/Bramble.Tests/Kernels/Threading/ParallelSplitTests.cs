using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels.Threading;

/// <summary>
/// The work splits over the pool (GEMM grid of parts, Winograd blocks claimed from a counter, a single Winograd
/// block's three shared phases) give results identical, bit for bit, to one thread, on random ragged shapes with
/// pools of 2 and 3 threads: every part computes its elements in the same order as the serial nest.
/// </summary>
public unsafe class ParallelSplitTests
{
    private static readonly Isa[] Caps = [Isa.Vector256, Isa.Vector128, Isa.Scalar];

    [Fact]
    public void GemmPartsOfEveryGridAndModeEqualOneThread()
    {
        var rng = new Random(31);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        for (int i = 0; i < 60; i++)
        {
            // Big enough to be split (≥ 2^18 MACs), ragged in every dimension.
            int m = rng.Next(1, 200), n = rng.Next(1, 400), k = rng.Next(1, 300);
            if ((long)m * n * k < 1 << 18) k = (1 << 18) / (m * n) + 1 + rng.Next(20);
            var kernel = GemmKernel.Select(Caps[i % Caps.Length]);
            var pool = i % 2 == 0 ? pool2 : pool3;
            var a = SgemmTests.Random(rng, m * k);
            var b = SgemmTests.Random(rng, k * n);
            var bias = SgemmTests.Random(rng, m);
            var serial = new float[m * n];
            var parallel = new float[m * n];
            int mode = i % 3;
            fixed (float* pa = a, pb = b, pbias = bias, ps = serial, pp = parallel)
            {
                var e = new Epilogue(Activation.Relu, 0, 0, pbias, BiasKind.PerRow);
                foreach (var (c, p) in new[] { ((nint)ps, (WorkerPool?)null), ((nint)pp, pool) })
                {
                    float* pc = (float*)c;
                    switch (mode)
                    {
                        case 0:
                            Sgemm.Multiply(kernel, m, n, k, 1, pa, k, false, pb, n, false, 0, pc, n, e, p);
                            break;
                        case 1:
                            using (var packed = PackedMatrix.PackAWith(kernel, pa, k, false, m, k))
                                Sgemm.Multiply(packed, n, 1, pb, n, false, 0, pc, n, e, p);
                            break;
                        default:
                            using (var packed = PackedMatrix.PackBWith(kernel, pb, n, false, k, n))
                                Sgemm.Multiply(m, 1, pa, k, false, packed, 0, pc, n, e, p);
                            break;
                    }
                }
            }
            Assert.True(serial.AsSpan().SequenceEqual(parallel), $"{kernel.Name} mode {mode} M={m} N={n} K={k} threads={pool.ThreadCount}");
        }
    }

    [Fact]
    public void ImplicitGemmAndPointwiseConvPartsEqualOneThread()
    {
        var rng = new Random(5);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        for (int i = 0; i < 16; i++)
        {
            int c = rng.Next(1, 40), h = rng.Next(3, 30), w = rng.Next(3, 30), oc = rng.Next(1, 70);
            int kh = i % 2 == 0 ? 1 : 3, stride = 1 + rng.Next(2);
            var g = new ConvGeometry(c, h, w, oc, kh, kh) { StrideH = stride, StrideW = stride, PadTop = kh / 2, PadLeft = kh / 2, PadBottom = kh / 2, PadRight = kh / 2 };
            AssertSameResult(g, 1 + rng.Next(2), Caps[i % Caps.Length], i % 2 == 0 ? pool2 : pool3, rng);
        }
    }

    private static void AssertSameResult(in ConvGeometry g, int batch, Isa isa, WorkerPool pool, Random rng)
    {
        var x = SgemmTests.Random(rng, batch * g.InChannels * g.InHeight * g.InWidth);
        var w = SgemmTests.Random(rng, g.OutChannels * g.KernelSize);
        var serial = new float[batch * g.OutChannels * g.OutHeight * g.OutWidth];
        var parallel = new float[serial.Length];
        fixed (float* px = x, pw = w, ps = serial, pp = parallel)
        {
            using var kernel = Conv2dKernel.Create(g, pw, isa);
            kernel.Run(px, ps, batch, Epilogue.Relu(), null);
            kernel.Run(px, pp, batch, Epilogue.Relu(), pool);
        }
        Assert.True(serial.AsSpan().SequenceEqual(parallel), $"{g} batch {batch} {isa} threads={pool.ThreadCount}");
    }

    /// <param name="blockTiles">Tiles per block (1000: the whole image is one block, so one image runs the shared phases).</param>
    [Theory]
    [InlineData(2, 1, 1000)]
    [InlineData(3, 1, 1000)]
    [InlineData(2, 2, 1000)]
    [InlineData(3, 1, 7)]
    [InlineData(2, 2, 5)]
    public void WinogradBlocksAndSharedPhasesEqualOneThread(int threads, int batch, int blockTiles)
    {
        var rng = new Random(threads * 100 + batch * 10 + blockTiles);
        using var pool = new WorkerPool(threads);
        foreach (var isa in Caps)
            for (int i = 0; i < 3; i++)
            {
                int c = rng.Next(1, 45), k = rng.Next(1, 45), h = rng.Next(4, 26), w = rng.Next(4, 26);
                var g = new ConvGeometry(c, h, w, k, 3, 3) { PadTop = 1, PadLeft = rng.Next(2), PadBottom = rng.Next(3), PadRight = 1 };
                var x = SgemmTests.Random(rng, batch * c * h * w);
                var wt = SgemmTests.Random(rng, k * c * 9);
                var bias = SgemmTests.Random(rng, k);
                var serial = new float[batch * k * g.OutHeight * g.OutWidth];
                var parallel = new float[serial.Length];
                Array.Fill(parallel, float.NaN); // every element must be written
                fixed (float* px = x, pw = wt, pb = bias, ps = serial, pp = parallel)
                {
                    using var kernel = WinogradConv.Create(g, pw, isa, threads, false, blockTiles, 0);
                    using var workspace = new NativeBuffer(kernel.WorkspaceBytes);
                    var e = new Epilogue(Activation.LeakyRelu, 0.1f, 0, pb, BiasKind.PerRow);
                    kernel.Run(px, ps, batch, e, null, (byte*)workspace.Pointer, workspace.ByteLength);
                    kernel.Run(px, pp, batch, e, pool, (byte*)workspace.Pointer, workspace.ByteLength);
                }
                Assert.True(serial.AsSpan().SequenceEqual(parallel), $"{g} batch {batch} {isa} threads {threads} blockTiles {blockTiles}");
            }
    }

    [Fact]
    public void GridCoversEveryTileOnceWithAPartPerThreadWhereTilesAllow()
    {
        var rng = new Random(8);
        for (int i = 0; i < 300; i++)
        {
            int mTiles = rng.Next(1, 120), nTiles = rng.Next(1, 300), k = rng.Next(1, 5000), threads = rng.Next(1, 5);
            GemmGrid.Choose(mTiles, nTiles, 6, 16, k, threads, rng.Next(2) * 6 + 4, GemmGrid.GatherCost, out int pm, out int pn);
            Assert.InRange(pm, 1, mTiles);
            Assert.InRange(pn, 1, nTiles);
            Assert.True(pm * pn >= Math.Min(threads, mTiles * nTiles), $"{mTiles}x{nTiles} tiles, {threads} threads: {pm}x{pn} parts");
            Assert.True(pm * pn <= GemmGrid.MaxPartsPerThread * threads);
            // Consecutive parts tile [0, tiles) without gaps or overlap, and no part is empty.
            for (int p = 0; p < pm; p++) Assert.True(GemmGrid.Start(p + 1, pm, mTiles, 1) > GemmGrid.Start(p, pm, mTiles, 1));
            Assert.Equal(mTiles, GemmGrid.Start(pm, pm, mTiles, 1));
            Assert.Equal(nTiles * 16, GemmGrid.Start(pn, pn, nTiles, 16));
        }
    }

    [Fact]
    public void GridSplitsOnlyColumnsOfAWideGemmWithPrepackedRows()
    {
        // A 3x3 conv with 64 output channels at 56x56: cutting rows would repack the im2col B once per row part.
        GemmGrid.Choose(11, 196, 6, 16, 576, 2, GemmGrid.StreamCost(64 * 576), GemmGrid.GatherCost, out int pm, out int pn);
        Assert.Equal(1, pm);
        Assert.True(pn >= 4, $"expected several parts per thread, got {pn}");
        GemmGrid.Choose(11, 196, 6, 16, 576, 1, GemmGrid.StreamCost(64 * 576), GemmGrid.GatherCost, out pm, out pn);
        Assert.Equal((1, 1), (pm, pn));
    }

    [Fact]
    public void GridKeepsTwoPartsWhenMoreWouldRepackAnImageForHugeWeights()
    {
        // 512 -> 512 3x3 at 7x7 (ResNet-18 layer 4): 9 MiB of weights, 49 columns. Cutting columns re-streams the
        // weights from memory and cutting rows finer re-gathers the im2col panels: one row part per thread is cheapest.
        GemmGrid.Choose(86, 4, 6, 16, 4608, 2, GemmGrid.StreamCost(512 * 4608), GemmGrid.GatherCost, out int pm, out int pn);
        Assert.Equal((2, 1), (pm, pn));
    }
}
