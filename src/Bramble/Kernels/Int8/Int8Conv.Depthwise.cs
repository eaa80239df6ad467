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
    /// One band of output rows of one block of channels of one image: the input rows the band reads are widened to
    /// float (x − x_zp), interleaved channel-minor with zero padding, convolved by <see cref="DepthwiseInterleaved.ComputeRows"/>
    /// (exact integer sums, see <see cref="DepthwiseSumsExactInFloat"/>), de-interleaved and requantized per channel
    /// straight into the output planes: a band of rows of a channel is contiguous in NCHW.
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
            long inPlane = (long)inRows * G.InWidth, outPixels = (long)rows * ow;
            float* widened = DepthwiseInterleaved.Scratch.Get(v * inPlane + (long)hp * wp * v + 2 * outPixels * v + 64);
            float* plane = widened + ((v * inPlane + 15) & ~15L);
            float* result = plane + (long)hp * wp * v;
            float* sums = result + outPixels * v;

            long image = (long)n * G.InChannels;
            for (int c = 0; c < lanes; c++)
                k.WidenToFloat(X + ((image + c0 + c) * G.InHeight + iy0) * G.InWidth, (int)inPlane, widened + c * inPlane);
            InterleavedPlanes<TS, TV>.Interleave(widened, inRows, G.InWidth, iy0 - top, G.PadLeft, plane, hp, wp, lanes, 0f);
            fixed (float* taps = &k._taps[block * k._kernelSize * v])
                DepthwiseInterleaved.ComputeRows<TS, TV>(G, plane, wp, taps, TS.Zero, false, TS.Zero, TS.Zero, result, rows);
            InterleavedPlanes<TS, TV>.Deinterleave(result, sums, (int)outPixels, lanes);

            long outImage = (long)n * G.OutChannels;
            for (int c = 0; c < lanes; c++)
            {
                float* channelSums = sums + c * outPixels;
                ToInt32InPlace(channelSums, (int)outPixels);
                int m = c0 + c;
                byte* dst = Y + ((outImage + m) * G.OutHeight + oy0) * ow;
                RequantizeRow.Run(k._isa, (int*)channelSums, (int)outPixels, k._bias[m], k._multiplier[m], k._yZp, k._lo, k._hi, dst, k._ySigned);
            }
        }
    }

    /// <summary>Float sums that hold exact integers, rewritten in place as int32 for <see cref="RequantizeRow"/>.</summary>
    private static void ToInt32InPlace(float* p, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256.ConvertToInt32(Vector256.Load(p + i)).AsSingle().Store(p + i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= count; i += 4) Vector128.ConvertToInt32(Vector128.Load(p + i)).AsSingle().Store(p + i);
        for (; i < count; i++) ((int*)p)[i] = (int)p[i];
    }

    /// <summary>dst[i] = src[i] − x_zp as float for i &lt; count.</summary>
    private void WidenToFloat(byte* src, int count, float* dst)
    {
        int i = 0;
        if (_isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            var zp = Vector128.Create(_xZp);
            for (; i + 16 <= count; i += 16)
            {
                Vector128<int> a, b, c, d;
                if (_xSigned)
                {
                    var (lo, hi) = Vector128.Widen(Vector128.Load((sbyte*)src + i));
                    (a, b) = Vector128.Widen(lo);
                    (c, d) = Vector128.Widen(hi);
                }
                else
                {
                    var (lo, hi) = Vector128.Widen(Vector128.Load(src + i));
                    (a, b) = Vector128.Widen(lo.AsInt16());
                    (c, d) = Vector128.Widen(hi.AsInt16());
                }
                Vector128.ConvertToSingle(a - zp).Store(dst + i);
                Vector128.ConvertToSingle(b - zp).Store(dst + i + 4);
                Vector128.ConvertToSingle(c - zp).Store(dst + i + 8);
                Vector128.ConvertToSingle(d - zp).Store(dst + i + 12);
            }
        }
        for (; i < count; i++) dst[i] = (_xSigned ? ((sbyte*)src)[i] : src[i]) - _xZp;
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
