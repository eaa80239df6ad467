using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels;

/// <summary>Winograd F(4×4, 3×3), pre-transformed and streamed, against the direct convolution (in double), on many shapes and every ISA cap.</summary>
public unsafe class WinogradConvTests
{
    /// <summary>
    /// Tolerance relative to Σ|x·w| + |bias| + 1 (the error bound's natural scale): Winograd's transforms
    /// amplify rounding by their coefficients (up to 8·5·1/4…), ~10× the direct GEMM's; observed worst ~1e-6.
    /// </summary>
    private const float Tolerance = 1e-5f;

    internal static double Check(in ConvGeometry g, int batch, Isa isa, WorkerPool? pool, Random rng, Activation activation,
        bool bias = true, int threads = 2, int blockTiles = 0, bool streamed = false, int kBlock = 0)
    {
        var x = SgemmTests.Random(rng, batch * g.InChannels * g.InHeight * g.InWidth);
        var w = SgemmTests.Random(rng, g.OutChannels * g.KernelSize);
        var b = bias ? SgemmTests.Random(rng, g.OutChannels) : null;
        var expected = ConvKernelTests.Naive(g, batch, x, w, b, new Epilogue(activation, 0.1f, 0.6f));
        var scale = ConvKernelTests.Naive(g, batch, Array.ConvertAll(x, MathF.Abs), Array.ConvertAll(w, MathF.Abs), null, Epilogue.None);
        var y = new float[expected.Length];
        Array.Fill(y, float.NaN); // every output element must be written
        double worst = 0;
        fixed (float* px = x, pw = w, py = y, pb = b)
        {
            using var kernel = WinogradConv.Create(g, pw, isa, threads, streamed, blockTiles, kBlock);
            Assert.Equal(streamed, kernel.Name.Contains("streamed"));
            using var workspace = new NativeBuffer(kernel.WorkspaceBytes);
            var e = new Epilogue(activation, 0.1f, 0.6f, pb, pb == null ? BiasKind.None : BiasKind.PerRow);
            kernel.Run(px, py, batch, e, pool, (byte*)workspace.Pointer, workspace.ByteLength);
            int plane = g.OutHeight * g.OutWidth;
            for (int i = 0; i < y.Length; i++)
            {
                float bound = scale[i] + (b == null ? 0 : MathF.Abs(b[i / plane % g.OutChannels])) + 1;
                double err = Math.Abs(y[i] - expected[i]) / bound;
                worst = Math.Max(worst, err);
                if (!(err <= Tolerance))
                    Assert.Fail($"{kernel.Name} {g} batch {batch} {activation}: element {i} expected {expected[i]} got {y[i]}");
            }
        }
        return worst;
    }

    private static ConvGeometry Geometry(int c, int h, int w, int k, int pt, int pl, int pb, int pr) =>
        new(c, h, w, k, 3, 3) { PadTop = pt, PadLeft = pl, PadBottom = pb, PadRight = pr };

    public static IEnumerable<object[]> CapsAndModes()
    {
        foreach (var cap in ConvKernelTests.Caps())
        {
            yield return [cap, false];
            yield return [cap, true];
        }
    }

    [Theory]
    [MemberData(nameof(CapsAndModes))]
    public void RandomShapesMatchDirectConvolution(Isa isa, bool streamed)
    {
        // Sizes 1…40 (ragged tiles, fewer than one vector of tiles, several vectors), pads 0–2 per side,
        // odd channel counts, batches, bias or not, every activation, serial and pooled.
        var rng = new Random(2024 + (int)isa);
        using var pool = new WorkerPool(2);
        double worst = 0;
        for (int i = 0; i < 60; i++)
        {
            int pt = rng.Next(3), pl = rng.Next(3), pb = rng.Next(3), pr = rng.Next(3);
            int h = Math.Max(rng.Next(1, i % 5 == 0 ? 41 : 14), 3 - pt - pb), w = Math.Max(rng.Next(1, i % 4 == 0 ? 41 : 14), 3 - pl - pr);
            var g = Geometry(rng.Next(1, 12), h, w, rng.Next(1, 12), pt, pl, pb, pr);
            worst = Math.Max(worst, Check(g, 1 + i % 3 / 2, isa, i % 2 == 0 ? pool : null, rng, (Activation)(i % 9), bias: i % 4 != 1, streamed: streamed));
        }
        Assert.True(worst > 0, "a Winograd result should differ from the double-precision reference somewhere");
    }

    [Theory]
    [MemberData(nameof(ConvKernelTests.Caps), MemberType = typeof(ConvKernelTests))]
    public void ManyBlocksAndThreadsMatchDirectConvolution(Isa isa)
    {
        // Forced small blocks: edge blocks in both directions, blocks across batch images, uneven thread shares.
        var rng = new Random(7 + (int)isa);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        var g = Geometry(19, 29, 43, 13, 1, 1, 1, 1);
        Check(g, 2, isa, pool3, rng, Activation.LeakyRelu, blockTiles: 7, threads: 3);
        Check(g, 1, isa, pool2, rng, Activation.Relu, blockTiles: 12);
        Check(g, 1, isa, pool3, rng, Activation.None, blockTiles: 1000, threads: 3); // one block: the GEMMs take the pool
        Check(g with { PadTop = 0, PadLeft = 2, PadBottom = 2, PadRight = 0 }, 3, isa, pool2, rng, Activation.SiLU, blockTiles: 5);
        // Channels past the GEMM's depth block (KC = 256), automatic blocking.
        Check(Geometry(300, 9, 10, 8, 1, 1, 1, 1), 1, isa, pool2, rng, Activation.Clip);
    }

    [Theory]
    [MemberData(nameof(ConvKernelTests.Caps), MemberType = typeof(ConvKernelTests))]
    public void StreamedBlocksChunksAndThreadsMatchDirectConvolution(Isa isa)
    {
        // Forced blocks of output channels (ragged last block, one channel, more blocks than threads), forced
        // chunks of tiles (each redoes the filter transforms), batches, input channels off the vector width.
        var rng = new Random(11 + (int)isa);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        var g = Geometry(19, 29, 43, 13, 1, 1, 1, 1);
        Check(g, 2, isa, pool3, rng, Activation.LeakyRelu, threads: 3, streamed: true, kBlock: 5);
        Check(g, 1, isa, pool2, rng, Activation.Relu, streamed: true, kBlock: 1, blockTiles: 7);
        Check(g, 1, isa, null, rng, Activation.None, threads: 1, streamed: true, kBlock: 4, blockTiles: 30);
        Check(g with { PadTop = 0, PadLeft = 2, PadBottom = 2, PadRight = 0 }, 3, isa, pool2, rng, Activation.SiLU, streamed: true, blockTiles: 5);
        // Input channels past the GEMM's depth block (KC = 256) and a few past the vector width; automatic blocking.
        Check(Geometry(299, 9, 10, 17, 1, 1, 1, 1), 1, isa, pool2, rng, Activation.Clip, streamed: true);
        Check(Geometry(33, 14, 14, 70, 1, 1, 1, 1), 1, isa, pool3, rng, Activation.None, threads: 3, streamed: true);
    }

    [Fact]
    public void StreamedKernelHoldsOnlyTheOriginalWeights()
    {
        var g = Geometry(64, 13, 13, 96, 1, 1, 1, 1);
        var w = new float[96 * 64 * 9];
        fixed (float* pw = w)
        {
            using var held = WinogradConv.Create(g, pw, Isa.Vector256, 2);
            using var streamed = WinogradConv.Create(g, pw, Isa.Vector256, 2, streamed: true);
            Assert.True(streamed.Streamed);
            Assert.InRange(streamed.WeightBytes, w.Length * sizeof(float), w.Length * sizeof(float) * 11 / 10); // K padded to whole blocks
            Assert.True(held.WeightBytes >= WinogradConv.TransformedWeightBytes(g));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FewerWorkspaceBytesUseFewerThreadsAndTooFewThrow(bool streamed)
    {
        var g = Geometry(8, 20, 20, 8, 1, 1, 1, 1);
        var w = new float[8 * 8 * 9];
        var x = new float[8 * 20 * 20];
        var y = new float[8 * 20 * 20];
        using var pool = new WorkerPool(2);
        fixed (float* pw = w, px = x, py = y)
        {
            using var kernel = WinogradConv.Create(g, pw, Isa.Vector128, 2, streamed);
            Assert.StartsWith("conv3x3 winograd f4", kernel.Name);
            using var workspace = new NativeBuffer(kernel.WorkspaceBytes);
            kernel.Run(px, py, 1, Epilogue.None, pool, (byte*)workspace.Pointer, kernel.WorkspaceBytes * 3 / 4); // one thread's share
            nint ix = (nint)px, iy = (nint)py;
            var e = Assert.Throws<BrambleException>(() => kernel.Run((float*)ix, (float*)iy, 1, Epilogue.None, pool, (byte*)workspace.Pointer, 64));
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void OnlyUnitStrideUngrouped3x3IsSupported()
    {
        var g = Geometry(16, 32, 32, 16, 1, 1, 1, 1);
        Assert.True(WinogradConv.Supports(g));
        Assert.False(WinogradConv.Supports(g with { StrideH = 2, StrideW = 2 }));
        Assert.False(WinogradConv.Supports(g with { DilationH = 2 }));
        Assert.False(WinogradConv.Supports(g with { Groups = 2 }));
        Assert.False(WinogradConv.Supports(g with { KernelH = 5, KernelW = 5 }));
        var w = new float[16 * 8 * 9];
        fixed (float* pw = w)
        {
            nint iw = (nint)pw;
            Assert.Throws<ShapeException>(() => WinogradConv.Create(g with { Groups = 2 }, (float*)iw, Isa.Scalar, 1));
        }
    }
}
