using Bramble.Kernels;
using Bramble.Kernels.Binary;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;
using Bramble.Tensors;
using Xunit;

namespace Bramble.Tests.Binary;

/// <summary>The fast binary kernels against the scalar references, bit for bit, on every popcount path this CPU has.</summary>
public unsafe class BinaryKernelTests
{
    /// <summary>The ISA caps to test: every level up to the best, plus 512 only where AVX-512BW really runs.</summary>
    public static TheoryData<Isa> Paths()
    {
        var data = new TheoryData<Isa> { Isa.Scalar };
        if (Lanes128.IsSupported) data.Add(Isa.Vector128);
        if (Lanes256.IsSupported) data.Add(Isa.Vector256);
        if (Lanes512.IsSupported) data.Add(Isa.Vector512);
        return data;
    }

    internal static ulong[] RandomBits(Random rng, int count, int channels)
    {
        // Random words with the unused high bits of each pixel's last word cleared, as packing leaves them.
        int words = BitPacked.WordsFor(channels);
        var bits = new ulong[count * words];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63);
            int used = channels - (i % words) * 64;
            if (used < 64) bits[i] &= (1UL << used) - 1;
        }
        return bits;
    }

    internal static float[] RandomFloats(Random rng, int count, float lo, float hi)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return a;
    }

    /// <summary>
    /// Every ISA path × every algorithm (<see cref="BinaryConvPath"/> by name): the planar one exists on the 128/256-bit
    /// paths only, and its byte-count variant (ARM's layout and sweep, with a software popcount off ARM) on 128-bit.
    /// </summary>
    public static TheoryData<Isa, string> ConvPaths()
    {
        var data = new TheoryData<Isa, string>();
        data.Add(Isa.Scalar, nameof(BinaryConvPath.Words));
        if (Lanes128.IsSupported)
            foreach (var path in new[] { BinaryConvPath.Words, BinaryConvPath.Planar, BinaryConvPath.PlanarBytes })
                data.Add(Isa.Vector128, path.ToString());
        if (Lanes256.IsSupported) { data.Add(Isa.Vector256, nameof(BinaryConvPath.Words)); data.Add(Isa.Vector256, nameof(BinaryConvPath.Planar)); }
        if (Lanes512.IsSupported) data.Add(Isa.Vector512, nameof(BinaryConvPath.Words));
        return data;
    }

    private static BinaryConvPath PathFor(string name) => Enum.Parse<BinaryConvPath>(name);

    private static bool IsPlanar(BinaryConvPath path) => path is BinaryConvPath.Planar or BinaryConvPath.PlanarBytes;

    [Theory]
    [MemberData(nameof(ConvPaths))]
    public void ConvMatchesReferenceOnRandomShapes(Isa isa, string pathName)
    {
        var path = PathFor(pathName);
        var rng = new Random(1234 + (int)isa);
        int[] channelChoices = [1, 3, 63, 64, 65, 100, 128, 130, 200, 256];
        using var pool = new WorkerPool(2);
        for (int trial = 0; trial < 40; trial++)
        {
            int c = channelChoices[rng.Next(channelChoices.Length)];
            int kh = rng.Next(1, 4) * 2 - 1, kw = rng.Next(4) == 0 ? 1 : kh;
            // Up to 20 output channels (planar blocks of 4 plus leftovers) and strides up to 3 (phase planes of the planar path).
            var g = new ConvGeometry(c, rng.Next(kh, 12), rng.Next(kw, 12), rng.Next(1, 21), kh, kw)
            {
                StrideH = rng.Next(1, 4), StrideW = rng.Next(1, 4),
                DilationH = rng.Next(4) == 0 ? 2 : 1, DilationW = rng.Next(4) == 0 ? 2 : 1,
                PadTop = rng.Next(0, 3), PadLeft = rng.Next(0, 3), PadBottom = rng.Next(0, 3), PadRight = rng.Next(0, 3),
            };
            if (g.DilationH * (kh - 1) + 1 > g.InHeight + g.PadTop + g.PadBottom || g.DilationW * (kw - 1) + 1 > g.InWidth + g.PadLeft + g.PadRight) continue;
            int batch = rng.Next(1, 3), padValue = rng.Next(-1, 2);
            var activation = rng.Next(2) == 0 ? BinaryActivation.None : BinaryActivation.Relu;
            var x = RandomBits(rng, batch * g.InHeight * g.InWidth, c);
            var w = RandomBits(rng, g.OutChannels * kh * kw, c);
            var alpha = RandomFloats(rng, g.OutChannels, 0.01f, 2f);
            var bias = rng.Next(2) == 0 ? [] : RandomFloats(rng, g.OutChannels, -5f, 5f);
            int outCount = batch * g.OutChannels * g.OutHeight * g.OutWidth;
            var expected = new float[outCount];
            BinaryConvReference.Run(g, x, w, alpha, bias, activation, padValue, batch, expected);

            var actual = new float[outCount];
            fixed (ulong* wp = w) fixed (ulong* xp = x) fixed (float* yp = actual)
            {
                var kernel = BinaryConvKernel.Create(g, wp, alpha, bias, activation, padValue, isa, path);
                Assert.Equal(isa, kernel.Isa);
                Assert.Equal(IsPlanar(path), kernel.IsPlanar);
                var workspace = new ulong[kernel.WorkspaceBytes / 8 + 1];
                fixed (ulong* ws = workspace) kernel.Run(xp, yp, batch, ws, trial % 2 == 0 ? pool : null);
            }
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"trial {trial} {path}: {g} pad {padValue} {activation} differs at {FirstDifference(expected, actual)}");
        }
    }

    [Theory]
    [MemberData(nameof(ConvPaths))]
    public void TheBenchmarkShapeMatchesReference(Isa isa, string pathName)
    {
        var path = PathFor(pathName);
        // 256→256 channels 3×3 pad 1 on a 12×12 crop of the 56×56 benchmark: the 2×4 block path with all-vector runs.
        var rng = new Random(7);
        var g = new ConvGeometry(256, 12, 12, 256, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
        var x = RandomBits(rng, 144, 256);
        var w = RandomBits(rng, 256 * 9, 256);
        var alpha = RandomFloats(rng, 256, 0.5f, 1f);
        var expected = new float[256 * 144];
        var actual = new float[256 * 144];
        BinaryConvReference.Run(g, x, w, alpha, [], BinaryActivation.None, 0, 1, expected);
        fixed (ulong* wp = w) fixed (ulong* xp = x) fixed (float* yp = actual)
        {
            var kernel = BinaryConvKernel.Create(g, wp, alpha, [], BinaryActivation.None, 0, isa, path);
            var ws = new ulong[kernel.WorkspaceBytes / 8];
            fixed (ulong* wsp = ws) kernel.Run(xp, yp, 1, wsp, null);
            Assert.Equal(256 * 9 * 4 * 8, kernel.PackedWeightBytes); // 32× smaller than 256·256·9 floats
        }
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ConvPaths))]
    public void SeveralBandsAndWideRowsMatchReference(Isa isa, string pathName)
    {
        var path = PathFor(pathName);
        // Work items split the output into bands of rows (about 2048 strip positions each): a tall image gets two bands,
        // a 1500-column one a band per row; the stride-2 case also reads phase planes across band borders.
        var rng = new Random(21);
        ConvGeometry[] shapes =
        [
            new(70, 100, 40, 9, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
            new(16, 5, 1500, 8, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 2, PadBottom = 0, PadRight = 1 },
        ];
        using var pool = new WorkerPool(2);
        foreach (var g in shapes) AssertMatchesReference(rng, g, isa, path, BinaryActivation.Relu, 0, pool);
    }

    /// <summary>Random bits, scales and biases for <paramref name="g"/>; the kernel's output must equal the reference bit for bit.</summary>
    private static void AssertMatchesReference(Random rng, ConvGeometry g, Isa isa, BinaryConvPath path, BinaryActivation activation, int padValue, WorkerPool? pool)
    {
        var x = RandomBits(rng, g.InHeight * g.InWidth, g.InChannels);
        var w = RandomBits(rng, g.OutChannels * g.KernelH * g.KernelW, g.InChannels);
        var alpha = RandomFloats(rng, g.OutChannels, 0.1f, 1f);
        var bias = RandomFloats(rng, g.OutChannels, -2f, 2f);
        int count = g.OutChannels * g.OutHeight * g.OutWidth;
        var expected = new float[count];
        var actual = new float[count];
        BinaryConvReference.Run(g, x, w, alpha, bias, activation, padValue, 1, expected);
        fixed (ulong* wp = w) fixed (ulong* xp = x) fixed (float* yp = actual)
        {
            var kernel = BinaryConvKernel.Create(g, wp, alpha, bias, activation, padValue, isa, path);
            Assert.Equal(IsPlanar(path), kernel.IsPlanar);
            var ws = new ulong[kernel.WorkspaceBytes / 8 + 1];
            fixed (ulong* wsp = ws) kernel.Run(xp, yp, 1, wsp, pool);
        }
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path} {g} pad {padValue} differs at {FirstDifference(expected, actual)}");
    }

    [Theory]
    [MemberData(nameof(ConvPaths))]
    public void TilingEdgesMatchReference(Isa isa, string pathName)
    {
        var path = PathFor(pathName);
        // Planar tiling edges: output channels not a multiple of the 4-channel block, input channels not a multiple of a
        // nibble, byte or word (28·9 = 63 nibble steps is exactly one chunk, 29 one step more), strips that leave a
        // ragged last tile of 2 vectors, strides, dilation, asymmetric padding with each pad value.
        var rng = new Random(99);
        ConvGeometry[] shapes =
        [
            new(28, 9, 13, 5, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
            new(29, 7, 17, 7, 3, 3) { PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1 },
            new(65, 11, 21, 6, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
            new(7, 10, 33, 3, 3, 3) { DilationH = 2, DilationW = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
            new(130, 6, 40, 9, 1, 1),
        ];
        foreach (var g in shapes)
            for (int padValue = -1; padValue <= 1; padValue++) AssertMatchesReference(rng, g, isa, path, BinaryActivation.None, padValue, null);
    }

    [Fact]
    public void AutoPicksPlanarForLargeImagesOnly()
    {
        if (!Lanes128.IsSupported) return; // the planar path needs a 128-bit popcount path
        var w = new ulong[512 * 9 * 8];
        var alpha = new float[512];
        fixed (ulong* wp = w)
        {
            var large = new ConvGeometry(256, 14, 14, 256, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
            var small = new ConvGeometry(512, 7, 7, 512, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
            Assert.True(BinaryConvKernel.Create(large, wp, alpha.AsSpan(0, 256), [], BinaryActivation.None, 0, Isa.Vector128).IsPlanar);
            Assert.False(BinaryConvKernel.Create(small, wp, alpha, [], BinaryActivation.None, 0, Isa.Vector128).IsPlanar);
            Assert.False(BinaryConvKernel.Create(large, wp, alpha.AsSpan(0, 256), [], BinaryActivation.None, 0, Isa.Scalar).IsPlanar);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GemmMatchesReference(Isa isa)
    {
        var rng = new Random(99);
        foreach (int k in new[] { 1, 64, 65, 200, 256, 513, 1000 })
        {
            int n = rng.Next(1, 9), m = rng.Next(1, 23);
            var x = RandomBits(rng, n, k);
            var w = RandomBits(rng, m, k);
            var alpha = RandomFloats(rng, m, 0.1f, 1f);
            var bias = RandomFloats(rng, m, -3f, 3f);
            var expected = new float[n * m];
            var actual = new float[n * m];
            BinaryConvReference.Gemm(n, k, m, x, w, alpha, bias, BinaryActivation.Relu, expected);
            fixed (ulong* wp = w) fixed (ulong* xp = x) fixed (float* yp = actual)
                BinaryConvKernel.CreateGemm(n, k, m, wp, alpha, bias, BinaryActivation.Relu, isa).Run(xp, yp, 1, null, null);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BinarizeMatchesReferencePacking(Isa isa)
    {
        var rng = new Random(5);
        using var pool = new WorkerPool(2);
        foreach (int c in new[] { 1, 7, 64, 65, 130 })
        {
            int batch = 2, h = rng.Next(1, 6), wd = rng.Next(1, 9);
            int[] shape = [batch, c, h, wd];
            var x = RandomFloats(rng, batch * c * h * wd, -1f, 1f);
            x[0] = 0f; // ties go to +1
            var thresholds = RandomFloats(rng, c, -0.5f, 0.5f);
            thresholds[0] = 0f;
            var signs = new float[c];
            for (int i = 0; i < c; i++) signs[i] = rng.Next(3) == 0 ? -1f : 1f;
            int packedCount = batch * h * wd * BitPacked.WordsFor(c);
            var expected = new ulong[packedCount];
            var actual = new ulong[packedCount];
            BitPacked.Pack(x, shape, thresholds, signs, expected);
            fixed (float* xp = x) fixed (ulong* yp = actual)
                new BinarizeKernel(c, thresholds, signs, isa).Run(xp, yp, batch, h * wd, pool);
            Assert.Equal(expected, actual);
            Assert.NotEqual(0UL, expected[0] & 1); // x = threshold = 0 packs as +1

            var unpacked = new float[x.Length];
            BitPacked.Unpack(expected, shape, unpacked);
            for (int i = 0; i < x.Length; i++)
            {
                int ch = i / (h * wd) % c;
                bool one = signs[ch] < 0 ? x[i] <= thresholds[ch] : x[i] >= thresholds[ch];
                Assert.Equal(one ? 1f : -1f, unpacked[i]);
            }
        }
    }

    private static string FirstDifference(float[] a, float[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i] && !(float.IsNaN(a[i]) && float.IsNaN(b[i]))) return $"{i}: {a[i]} vs {b[i]}";
        return "none";
    }
}
