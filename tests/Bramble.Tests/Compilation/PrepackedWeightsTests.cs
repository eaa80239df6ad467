using Bramble.Compilation;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Tensors;

namespace Bramble.Tests.Compilation;

/// <summary>
/// Weights prepared at compile time and used in place: each kernel that packs is built three times — packing
/// as a session does, recording its buffers as `bramble compile` does, and over those bytes mapped from a file
/// as an executable does, with the original weights replaced by NaNs — and the last must give the first's
/// results bit for bit, having read nothing of the originals and packed nothing.
/// </summary>
public unsafe class PrepackedWeightsTests
{
    private delegate IDisposable Create(float* weights);
    private delegate void RunKernel(IDisposable kernel, float* output);

    /// <summary>Returns the bytes the replayed kernel took from the image.</summary>
    private static long AssertReplayMatches(float[] weights, int outputLength, Create create, RunKernel run)
    {
        var expected = new float[outputLength];
        var actual = new float[outputLength];
        var poisoned = new float[weights.Length];
        Array.Fill(poisoned, float.NaN);
        using var dir = new CompileTestModels.TempDir();
        string path = Path.Combine(dir.Path, "packed.weights");
        long[] entries;
        fixed (float* w = weights, y = expected)
        {
            using (var packed = create(w)) run(packed, y);
            var recorder = new PackedWeightRecorder();
            IDisposable recorded;
            using (PackedWeights.Use(recorder)) recorded = create(w);
            using (recorded) entries = WriteBlob(path, recorder);
            Assert.True(recorder.Bytes > 0);
        }
        long length = new FileInfo(path).Length;
        using var image = WeightImage.FromFile(path, length);
        var source = new PrepackedWeights(image, entries, "test");
        fixed (float* w = poisoned, y = actual)
        {
            IDisposable replayed;
            using (PackedWeights.Use(source)) replayed = create(w);
            source.Finish();
            using (replayed) run(replayed, y);
        }
        Assert.Equal(entries.Where((_, i) => i % 2 == 1).Sum(), source.Bytes);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "replayed kernel differs from the packing one");
        Assert.DoesNotContain(actual, float.IsNaN);
        return source.Bytes;
    }

    /// <summary>The recorder's buffers at 64-byte aligned offsets in one file, as the compiler lays them out.</summary>
    private static long[] WriteBlob(string path, PackedWeightRecorder recorder)
    {
        var entries = new long[2 * recorder.Buffers.Count];
        using var file = File.Create(path);
        for (int b = 0; b < recorder.Buffers.Count; b++)
        {
            var buffer = recorder.Buffers[b];
            file.Write(new byte[WeightBlobBuilder.Align(file.Position) - file.Position]);
            entries[2 * b] = file.Position;
            entries[2 * b + 1] = buffer.ByteLength;
            file.Write(new ReadOnlySpan<byte>(buffer.Pointer, checked((int)buffer.ByteLength)));
        }
        return entries;
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }

    private static void AssertConvReplayMatches(ConvGeometry g, bool winograd, bool streamed = false)
    {
        var x = Random(g.InChannels * g.InHeight * g.InWidth, 1);
        var w = Random(g.OutChannels * g.KernelSize, 2);
        int outputs = g.OutChannels * g.OutHeight * g.OutWidth;
        long bytes = AssertReplayMatches(w, outputs,
            weights => winograd ? WinogradConv.Create(g, weights, CpuFeatures.Best, 2, streamed) : Conv2dKernel.Create(g, weights, CpuFeatures.Best),
            (kernel, y) =>
            {
                fixed (float* px = x)
                {
                    if (kernel is WinogradConv wino)
                    {
                        using var workspace = new NativeBuffer(wino.WorkspaceBytes);
                        wino.Run(px, y, 1, Epilogue.None, null, workspace.Pointer, workspace.ByteLength);
                    }
                    else ((Conv2dKernel)kernel).Run(px, y, 1, Epilogue.None, null);
                }
            });
        using var reference = NewKernel(g, winograd, streamed, w);
        // Every byte of the kernel's own weights came from the image.
        Assert.Equal(reference is WinogradConv wc ? wc.WeightBytes : ((Conv2dKernel)reference).WeightBytes, bytes);
    }

    private static IDisposable NewKernel(ConvGeometry g, bool winograd, bool streamed, float[] w)
    {
        fixed (float* pw = w)
            return winograd ? WinogradConv.Create(g, pw, CpuFeatures.Best, 2, streamed) : Conv2dKernel.Create(g, pw, CpuFeatures.Best);
    }

    [Fact]
    public void ImplicitGemmGroupedConvolutionUsesItsPanelsInPlace() =>
        AssertConvReplayMatches(new ConvGeometry(8, 9, 9, 12, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 2 }, winograd: false);

    [Fact]
    public void PointwiseConvolutionUsesItsPanelsInPlace() =>
        AssertConvReplayMatches(new ConvGeometry(16, 6, 6, 24, 1, 1), winograd: false);

    [Fact]
    public void DepthwiseConvolutionUsesItsFiltersInPlace() =>
        AssertConvReplayMatches(new ConvGeometry(16, 10, 10, 16, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 16 }, winograd: false);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WinogradUsesItsTransformedFiltersInPlace(bool streamed) =>
        AssertConvReplayMatches(new ConvGeometry(16, 18, 18, 24, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }, winograd: true, streamed);

    [Fact]
    public void GemmUsesItsPackedRightOperandInPlace()
    {
        const int m = 5, k = 37, n = 19;
        var a = Random(m * k, 3);
        var b = Random(n * k, 4);
        AssertReplayMatches(b, m * n,
            weights => PackedMatrix.PackB(weights, k, true, k, n, CpuFeatures.Best),
            (packed, y) =>
            {
                fixed (float* pa = a) Sgemm.Multiply(m, 1, pa, k, false, (PackedMatrix)packed, 0, y, n, Epilogue.None, null);
            });
    }

    [Fact]
    public void ReplayRejectsBuffersOfAnotherSizeOrCount()
    {
        using var dir = new CompileTestModels.TempDir();
        string path = Path.Combine(dir.Path, "w");
        File.WriteAllBytes(path, new byte[256]);
        using var image = WeightImage.FromFile(path, 256);
        var source = new PrepackedWeights(image, [0, 128], "conv 'c1'");
        var e = Assert.Throws<BrambleException>(() => source.Take(64));
        Assert.Contains("conv 'c1'", e.Message);
        Assert.Contains("regenerate", e.Message);
        using (source.Take(128)) { }
        Assert.Throws<BrambleException>(() => source.Take(128));
        var unused = new PrepackedWeights(image, [0, 64, 128, 64], "gemm");
        using (unused.Take(64)) { }
        Assert.Contains("prepared 1 packed weights, compiled 2", Assert.Throws<BrambleException>(unused.Finish).Message);
        Assert.Throws<BrambleException>(() => new PrepackedWeights(image, [192, 128], "x").Take(128));
    }

    [Fact]
    public void BorrowedBuffersFreeNothing()
    {
        using var owner = new NativeBuffer(128);
        var borrowed = NativeBuffer.Borrow(owner.Pointer, 128);
        Assert.True(borrowed.Pointer == owner.Pointer);
        borrowed.Dispose();
        owner.Pointer[127] = 1; // still owned and mapped
        Assert.Throws<ArgumentException>(() => NativeBuffer.Borrow(owner.Pointer + 1, 8));
    }
}
