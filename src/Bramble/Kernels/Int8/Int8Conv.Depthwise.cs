using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Kernels.Int8;

public sealed unsafe partial class Int8Conv
{
    /// <summary>
    /// Depthwise sums are accumulated in float32, which is exact — every product (x − x_zp)(w − w_zp) and
    /// every partial sum is an integer of magnitude ≤ taps · 255 · 255 &lt; 2^24 — and runs at the FMA rate
    /// (the int32 alternative needs vpmulld, half the throughput). Larger kernels keep the reference path.
    /// </summary>
    private static bool DepthwiseSumsExactInFloat(int taps) => (long)taps * 255 * 255 < 1 << 24;

    /// <summary>Output pixels per band: a band's planes (input, interleaved, result) stay well inside L2.</summary>
    private const int DepthwiseBandPixels = 2048;

    private ConvGeometry DepthwiseGeometry()
    {
        var win = _p.Window;
        return new ConvGeometry(_p.InChannels, win.Input[1], win.Input[2], _p.OutChannels, win.Kernel[1], win.Kernel[2])
        {
            StrideH = win.Stride[1], StrideW = win.Stride[2], DilationH = win.Dilation[1], DilationW = win.Dilation[2],
            PadTop = win.PadBegin[1], PadLeft = win.PadBegin[2], PadBottom = win.PadEnd[1], PadRight = win.PadEnd[2], Groups = _p.Group,
        };
    }

    /// <summary>Channels per interleaved block at <paramref name="isa"/>: 8 with AVX2+FMA, 4 with 128-bit SIMD, 0 = the scalar loop.</summary>
    private static int DepthwiseLanes(Isa isa) =>
        isa >= Isa.Vector256 && F256.Supported ? F256.Count : isa >= Isa.Vector128 && F128.Supported ? F128.Count : 0;

    /// <summary>(w − w_zp) per block of <paramref name="lanes"/> channels as taps × lanes floats (zero past the last channel); per channel for the scalar loop.</summary>
    private float[] InterleaveDepthwiseTaps(Tensor w, Tensor? wZp, bool wSigned, int lanes)
    {
        int m = _p.OutChannels, taps = _kernelSize, v = Math.Max(lanes, 1), blocks = (m + v - 1) / v;
        var result = GC.AllocateArray<float>(blocks * taps * v, pinned: true);
        for (int c = 0; c < m; c++)
            for (int t = 0; t < taps; t++)
                result[(c / v * taps + t) * v + c % v] = QuantParams.Load(w.Data, (long)c * taps + t, wSigned) - QuantParams.ZeroPoint(wZp, c);
        return result;
    }

    private void RunDepthwise(byte* x, byte* y, WorkerPool pool)
    {
        if (_dwLanes == 0)
        {
            var scalar = new DepthwiseScalarBody { Kernel = this, X = x, Y = y };
            pool.For(_p.Batch * _p.OutChannels, ref scalar);
        }
        else if (_dwLanes == F256.Count) RunDepthwise<F256, Vector256<float>>(x, y, pool);
        else RunDepthwise<F128, Vector128<float>>(x, y, pool);
    }

    private void RunDepthwise<TS, TV>(byte* x, byte* y, WorkerPool pool) where TS : struct, ISimdF<TV> where TV : struct
    {
        var g = DepthwiseGeometry();
        int bandRows = Math.Clamp(DepthwiseBandPixels / g.OutWidth, 1, g.OutHeight);
        int bands = (g.OutHeight + bandRows - 1) / bandRows, blocks = (g.InChannels + TS.Count - 1) / TS.Count;
        var body = new DepthwiseBandBody<TS, TV> { Kernel = this, G = g, X = x, Y = y, BandRows = bandRows, Bands = bands, Blocks = blocks };
        pool.For(_p.Batch * blocks * bands, ref body);
    }

    /// <summary>
    /// One band of output rows of one block of channels of one image: the input rows the band reads are interleaved
    /// channel-minor as float x − x_zp with zero padding (<see cref="ZeroPointBytes"/>), convolved by
    /// <see cref="DepthwiseInterleaved.ComputeRows"/> (exact integer sums, see <see cref="DepthwiseSumsExactInFloat"/>),
    /// requantized and de-interleaved straight into the output planes (<see cref="InterleavedRequantize{TS, TV}"/>):
    /// a band of rows of a channel is contiguous in NCHW.
    /// </summary>
    private struct DepthwiseBandBody<TS, TV> : IParallelBody where TS : struct, ISimdF<TV> where TV : struct
    {
        public Int8Conv Kernel;
        public ConvGeometry G;
        public byte* X, Y;
        public int BandRows, Bands, Blocks;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public readonly void Invoke(int index)
        {
            var k = Kernel;
            int band = index % Bands, block = index / Bands % Blocks, n = index / Bands / Blocks;
            int v = TS.Count, c0 = block * v, lanes = Math.Min(v, G.InChannels - c0);
            int oy0 = band * BandRows, rows = Math.Min(BandRows, G.OutHeight - oy0), ow = G.OutWidth;
            // Plane rows: exactly those the band's outputs read; plane row 0 is input row `top` (negative in the padding).
            int hp = (rows - 1) * G.StrideH + (G.KernelH - 1) * G.DilationH + 1;
            int wp = (ow - 1) * G.StrideW + (G.KernelW - 1) * G.DilationW + 1;
            int top = oy0 * G.StrideH - G.PadTop;
            int iy0 = Math.Clamp(top, 0, G.InHeight), iy1 = Math.Clamp(top + hp, iy0, G.InHeight), inRows = iy1 - iy0;
            long outPixels = (long)rows * ow;
            float* plane = DepthwiseInterleaved.Scratch.Get((long)hp * wp * v + outPixels * v);
            float* result = plane + (long)hp * wp * v;

            long inPlane = (long)G.InHeight * G.InWidth;
            var source = new ZeroPointBytes(X + ((long)n * G.InChannels + c0) * inPlane + (long)iy0 * G.InWidth, inPlane, k._xZp, k._xSigned);
            InterleavedPlanes<TS, TV>.Interleave(source, inRows, G.InWidth, iy0 - top, G.PadLeft, plane, hp, wp, lanes, 0f);
            fixed (float* taps = &k._taps[block * k._kernelSize * v])
                DepthwiseInterleaved.ComputeRows<TS, TV>(G, plane, wp, taps, TS.Zero, false, TS.Zero, TS.Zero, result, rows);

            int* bias = stackalloc int[v];
            float* multiplier = stackalloc float[v];
            for (int c = 0; c < v; c++)
            {
                bias[c] = c < lanes ? k._bias[c0 + c] : 0;
                multiplier[c] = c < lanes ? k._multiplier[c0 + c] : 0f;
            }
            long outPlane = (long)G.OutHeight * ow;
            byte* dst = Y + ((long)n * G.OutChannels + c0) * outPlane + (long)oy0 * ow;
            InterleavedRequantize<TS, TV>.Run(result, (int)outPixels, lanes, bias, multiplier, k._yZp, k._lo, k._hi, k._ySigned, dst, outPlane);
        }
    }

    /// <summary>The scalar-only loop (ISA capped at scalar): one channel of one image, direct, border-checked.</summary>
    private struct DepthwiseScalarBody : IParallelBody
    {
        public Int8Conv Kernel;
        public byte* X, Y;

        public readonly void Invoke(int index)
        {
            var k = Kernel;
            var win = k._p.Window;
            int c = index % k._p.OutChannels, kh = win.Kernel[1], kw = win.Kernel[2], h = win.Input[1], w = win.Input[2];
            byte* src = X + (long)index * h * w;
            byte* dst = Y + (long)index * win.Output[1] * win.Output[2];
            for (int oy = 0; oy < win.Output[1]; oy++)
                for (int ox = 0; ox < win.Output[2]; ox++)
                {
                    int sum = 0;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * win.Stride[1] - win.PadBegin[1] + ky * win.Dilation[1];
                        if ((uint)iy >= (uint)h) continue;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = ox * win.Stride[2] - win.PadBegin[2] + kx * win.Dilation[2];
                            if ((uint)ix >= (uint)w) continue;
                            int xv = (k._xSigned ? ((sbyte*)src)[iy * w + ix] : src[iy * w + ix]) - k._xZp;
                            sum += xv * (int)k._taps[c * k._kernelSize + ky * kw + kx];
                        }
                    }
                    int q = Requantize.One(unchecked(sum + k._bias[c]), k._multiplier[c], k._yZp, k._lo, k._hi);
                    long at = (long)oy * win.Output[2] + ox;
                    if (k._ySigned) ((sbyte*)dst)[at] = (sbyte)q;
                    else dst[at] = (byte)q;
                }
        }
    }
}
