using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// A prepared binary (XNOR) 2-D convolution: bit-packed input [N, H, W, ⌈C/64⌉] and weights [M, KH, KW, ⌈C/64⌉],
/// float output [N, M, OH, OW] = act(α[m]·dot + bias[m]) with dot = C·KH·KW − 2·popcount(x XOR w) (+ the padding
/// correction). The same kernel serves binary Gemm as a 1×1 convolution over a 1×N image with transposed output strides.
/// Convolutions on the 128/256-bit paths run the byte-planar nibble-table algorithm (BinaryConvKernel.Planar.cs) when
/// the image is large enough; everything else the word-popcount one below (src/Bramble/Passes/Binary/README.md).
/// </summary>
/// <remarks>
/// Padding: the image is copied into a workspace whose border words are 0, i.e. −1 values, so every output
/// pixel takes the same fast path. For pad value p the true dot is that result plus (p + 1)·Σ w over the taps
/// that fell in the border (<see cref="PaddingCorrection"/>), which costs only at border pixels.
/// p = 0 is ONNX Conv's zero padding (the float-equivalent graph); p = −1 needs no correction.
/// </remarks>
public sealed unsafe partial class BinaryConvKernel
{
    private const int ChannelChunk = 64; // output channels per parallel work item (a multiple of the 4-wide block)

    private readonly ConvGeometry _g;
    private readonly int _words, _k, _taps;
    private readonly ulong[] _weights;    // pinned: [M][KH][KW][words]
    private readonly int[] _offsets;      // pinned: receptive runs relative to a pixel's base word
    private readonly int _runLength;
    private readonly PaddingCorrection _padding;
    private readonly float[] _alpha, _bias;
    private readonly BinaryActivation _activation;
    private readonly int _paddedH, _paddedW;
    private readonly bool _padded;
    private readonly long _outChannelStride, _outPixelStride, _outImage;
    private readonly PlanarLayout? _planar; // the planar path, where it applies (convolutions on 128/256-bit paths)
    private readonly PlanarLanes _planarLanes;

    private BinaryConvKernel(in ConvGeometry g, ulong* weights, ReadOnlySpan<float> alpha, ReadOnlySpan<float> bias,
        BinaryActivation activation, int padValue, Isa maxIsa, bool gemmLayout, BinaryConvPath path = BinaryConvPath.Auto)
    {
        g.Validate();
        // Validate() alone lets a kernel extent exceed the padded input when truncating division rounds to one output.
        if (g.DilationH * (g.KernelH - 1) + 1 > g.InHeight + g.PadTop + g.PadBottom || g.DilationW * (g.KernelW - 1) + 1 > g.InWidth + g.PadLeft + g.PadRight)
            throw new ShapeException($"binary convolution: kernel extent exceeds the padded input in {g}");
        if (g.Groups != 1) throw new UnsupportedOperatorException($"binary convolution supports one group, not {g.Groups}");
        if (g.KernelH > 30 || g.KernelW > 30) throw new UnsupportedOperatorException($"binary convolution kernel {g.KernelH}x{g.KernelW} is larger than 30");
        if (padValue is < -1 or > 1) throw new UnsupportedOperatorException($"binary convolution pad value {padValue} must be -1, 0 or 1");
        if (alpha.Length != g.OutChannels || (!bias.IsEmpty && bias.Length != g.OutChannels))
            throw new ShapeException($"binary convolution: alpha/bias must have {g.OutChannels} values, got {alpha.Length}/{bias.Length}");
        _g = g;
        _words = BitPacked.WordsFor(g.InChannels);
        _taps = g.KernelH * g.KernelW;
        _k = checked(_taps * _words);
        _weights = GC.AllocateUninitializedArray<ulong>(checked(g.OutChannels * _k), pinned: true);
        new ReadOnlySpan<ulong>(weights, _weights.Length).CopyTo(_weights);
        _alpha = alpha.ToArray();
        _bias = bias.IsEmpty ? new float[g.OutChannels] : bias.ToArray();
        _activation = activation;
        _padded = g.PadTop + g.PadLeft + g.PadBottom + g.PadRight > 0;
        _paddedH = g.InHeight + g.PadTop + g.PadBottom;
        _paddedW = g.InWidth + g.PadLeft + g.PadRight;
        Isa = Choose(maxIsa);

        // Receptive runs: whole kernel rows when taps along W are adjacent, single taps otherwise.
        bool rows = g.DilationW == 1;
        _runLength = rows ? g.KernelW * _words : _words;
        _offsets = GC.AllocateArray<int>(rows ? g.KernelH : _taps, pinned: true);
        for (int kh = 0, i = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < (rows ? 1 : g.KernelW); kw++)
                _offsets[i++] = checked((kh * g.DilationH * _paddedW + kw * g.DilationW) * _words);

        _padding = new PaddingCorrection(g, weights, padValue);

        int pixels = g.OutHeight * g.OutWidth;
        _outChannelStride = gemmLayout ? 1 : pixels;
        _outPixelStride = gemmLayout ? g.OutChannels : 1;
        _outImage = (long)g.OutChannels * pixels;
        if (!gemmLayout && Isa is Isa.Vector256 or Isa.Vector128 && path != BinaryConvPath.Words)
        {
            _planarLanes = ChoosePlanarLanes(path);
            _planar = PlanarLayout.TryCreate(g, weights, UnitBits(_planarLanes), requireLargeStrip: path == BinaryConvPath.Auto);
        }
    }

    /// <summary>Prepares a convolution; <paramref name="weights"/> are packed [M, KH, KW, ⌈C/64⌉].</summary>
    public static BinaryConvKernel Create(in ConvGeometry g, ulong* weights, ReadOnlySpan<float> alpha, ReadOnlySpan<float> bias,
        BinaryActivation activation, int padValue, Isa maxIsa) =>
        new(g, weights, alpha, bias, activation, padValue, maxIsa, gemmLayout: false);

    /// <summary>As the public Create, with the algorithm forced (tests and benchmarks compare the two paths).</summary>
    internal static BinaryConvKernel Create(in ConvGeometry g, ulong* weights, ReadOnlySpan<float> alpha, ReadOnlySpan<float> bias,
        BinaryActivation activation, int padValue, Isa maxIsa, BinaryConvPath path) =>
        new(g, weights, alpha, bias, activation, padValue, maxIsa, gemmLayout: false, path);

    /// <summary>Whether this kernel runs the planar path.</summary>
    internal bool IsPlanar => _planar != null;

    /// <summary>
    /// Prepares a binary Gemm Y[N, M] = act(α·(X·Wᵀ) + bias) on packed X [N, ⌈K/64⌉] and W [M, ⌈K/64⌉]: a 1×1
    /// convolution over a 1×N image whose output is written row-major [N, M].
    /// </summary>
    public static BinaryConvKernel CreateGemm(int rows, int depth, int outputs, ulong* weights, ReadOnlySpan<float> alpha,
        ReadOnlySpan<float> bias, BinaryActivation activation, Isa maxIsa) =>
        new(new ConvGeometry(depth, 1, rows, outputs, 1, 1), weights, alpha, bias, activation, -1, maxIsa, gemmLayout: true);

    public ConvGeometry Geometry => _g;

    /// <summary>The popcount path this kernel runs.</summary>
    public Isa Isa { get; }

    public string Name => $"binary conv {_g.KernelH}x{_g.KernelW} {(_planar == null ? "popcount" : _planarLanes == PlanarLanes.Byte128 ? "planar byte-count" : "planar nibble-lut")} {Isa switch
    {
        Isa.Vector512 => "avx512bw",
        Isa.Vector256 => "avx2",
        Isa.Vector128 => Lanes128Name,
        _ => "scalar",
    }}";

    private static string Lanes128Name => System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "neon-cnt" : "ssse3";

    /// <summary>Bytes of workspace <see cref="Run"/> needs: the byte planes or the padded copy of one image.</summary>
    public long WorkspaceBytes => _planar?.WorkspaceBytes ?? (_padded ? (long)_paddedH * _paddedW * _words * sizeof(ulong) : 0);

    /// <summary>Bytes of the packed weights (1 bit per weight, channels padded to 64).</summary>
    public long PackedWeightBytes => (long)_weights.Length * sizeof(ulong);

    private static Isa Choose(Isa cap)
    {
        var isa = CpuFeatures.Effective(cap);
        if (isa >= Isa.Vector512 && Lanes512.IsSupported) return Isa.Vector512;
        if (isa >= Isa.Vector256 && Lanes256.IsSupported) return Isa.Vector256;
        if (isa >= Isa.Vector128 && Lanes128.IsSupported) return Isa.Vector128;
        return Isa.Scalar;
    }

    /// <summary>
    /// Convolves <paramref name="batch"/> packed images into float outputs. <paramref name="workspace"/> must hold
    /// <see cref="WorkspaceBytes"/> (it may be null when that is 0).
    /// </summary>
    public void Run(ulong* input, float* output, int batch, ulong* workspace, WorkerPool? pool)
    {
        if (_planar != null)
        {
            RunPlanar(input, output, batch, (byte*)workspace, pool);
            return;
        }
        var g = _g;
        long inImage = (long)g.InHeight * g.InWidth * _words;
        int chunks = (g.OutChannels + ChannelChunk - 1) / ChannelChunk;
        for (int b = 0; b < batch; b++)
        {
            ulong* image = input + b * inImage;
            if (_padded)
            {
                CopyPadded(image, workspace);
                image = workspace;
            }
            var body = new RowBody(this, image, output + b * _outImage, chunks);
            int items = g.OutHeight * chunks;
            if (pool == null) for (int i = 0; i < items; i++) body.Invoke(i);
            else pool.For(items, ref body);
        }
    }

    private void CopyPadded(ulong* image, ulong* padded)
    {
        var g = _g;
        new Span<ulong>(padded, checked(_paddedH * _paddedW * _words)).Clear();
        int rowWords = g.InWidth * _words;
        for (int y = 0; y < g.InHeight; y++)
            new ReadOnlySpan<ulong>(image + (long)y * rowWords, rowWords)
                .CopyTo(new Span<ulong>(padded + ((long)(y + g.PadTop) * _paddedW + g.PadLeft) * _words, rowWords));
    }

    private readonly struct RowBody(BinaryConvKernel kernel, ulong* image, float* output, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int row = index / chunks, chunk = index % chunks;
            int m0 = chunk * ChannelChunk, m1 = Math.Min(kernel._g.OutChannels, m0 + ChannelChunk);
            switch (kernel.Isa)
            {
                case Isa.Vector512: kernel.RunRow<Vector512<byte>, Lanes512>(image, output, row, m0, m1); break;
                case Isa.Vector256: kernel.RunRow<Vector256<byte>, Lanes256>(image, output, row, m0, m1); break;
                case Isa.Vector128: kernel.RunRow<Vector128<byte>, Lanes128>(image, output, row, m0, m1); break;
                default: kernel.RunRow<ulong, ScalarLanes>(image, output, row, m0, m1); break;
            }
        }
    }

    /// <summary>Output row <paramref name="oy"/>, channels [m0, m1): 2×4 blocks, then 1×4, then 1×1 leftovers.</summary>
    [MethodImpl(HotCode.Options)]
    private void RunRow<T, L>(ulong* image, float* output, int oy, int m0, int m1) where T : struct where L : IPopLanes<T>
    {
        var g = _g;
        int ow = g.OutWidth, k = _k;
        int* totals = stackalloc int[8];
        var row = new OutputRow(this, output, oy);
        fixed (ulong* weights = _weights)
        fixed (int* offsets = _offsets)
        {
            var r = new Receptive(offsets, _offsets.Length, _runLength);
            ulong* rowBase = image + (long)oy * g.StrideH * _paddedW * _words;
            long pixelStep = (long)g.StrideW * _words;
            int m = m0;
            for (; m + 4 <= m1; m += 4)
            {
                ulong* w = weights + (long)m * k;
                int ox = 0;
                for (; ox + 2 <= ow; ox += 2)
                {
                    for (int q = 0; q < 8; q++) totals[q] = 0;
                    BinaryDot.Block2x4<T, L>(rowBase + ox * pixelStep, rowBase + (ox + 1) * pixelStep, w, k, r, totals);
                    for (int q = 0; q < 4; q++)
                    {
                        row.Emit(m + q, ox, totals[q]);
                        row.Emit(m + q, ox + 1, totals[4 + q]);
                    }
                }
                if (ox < ow)
                {
                    for (int q = 0; q < 4; q++) totals[q] = 0;
                    BinaryDot.Block1x4<T, L>(rowBase + ox * pixelStep, w, k, r, totals);
                    for (int q = 0; q < 4; q++) row.Emit(m + q, ox, totals[q]);
                }
            }
            for (; m < m1; m++)
                for (int ox = 0; ox < ow; ox++)
                    row.Emit(m, ox, BinaryDot.Block1x1<T, L>(rowBase + ox * pixelStep, weights + (long)m * k, r));
        }
    }

    /// <summary>
    /// Writes one output row: popcount → dot (+ border correction) → α·dot + bias → activation. Everything
    /// per row is hoisted here, so the per-output work is a multiply-add and a store.
    /// </summary>
    private readonly ref struct OutputRow
    {
        private readonly BinaryConvKernel _kernel;
        private readonly float* _output;
        private readonly int _n, _oy;
        private readonly bool _relu;
        private readonly long _channelStride, _pixelStride;
        private readonly float[] _alpha, _bias;

        public OutputRow(BinaryConvKernel kernel, float* output, int oy)
        {
            var g = kernel._g;
            _kernel = kernel;
            _n = g.InChannels * kernel._taps;
            _relu = kernel._activation == BinaryActivation.Relu;
            _channelStride = kernel._outChannelStride;
            _pixelStride = kernel._outPixelStride;
            _output = output + (long)oy * g.OutWidth * _pixelStride;
            _alpha = kernel._alpha;
            _bias = kernel._bias;
            _oy = oy;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Emit(int m, int ox, int popcount)
        {
            int dot = _n - 2 * popcount;
            if (_kernel._padding.Applies(_oy, ox)) dot += _kernel._padding.Correction(m, _oy, ox);
            float y = _alpha[m] * dot + _bias[m];
            if (_relu && !(y > 0f)) y = 0f;
            _output[m * _channelStride + ox * _pixelStride] = y;
        }
    }
}
