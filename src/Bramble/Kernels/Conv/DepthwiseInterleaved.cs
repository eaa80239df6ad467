using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Depthwise convolution across channels instead of across the width: a block of one vector's worth of channels
/// is interleaved (pixel-major, channel-minor) into a zero-padded scratch plane, each output pixel is then one
/// vector of kh·kw fused multiply-adds with per-channel weight vectors, and the finished interleaved output
/// plane is de-interleaved back into the channel planes. Any kernel size, stride, dilation and padding; no border cases.
/// </summary>
/// <remarks>
/// On the small planes of late MobileNet layers (7², 14², 28²) the width-vectorised kernels spend most of a
/// channel's time on per-plane set-up, borders and partial vectors (a 7-wide row is under one 8-lane vector);
/// here the plane size does not matter, and the two transpositions run as 8×8 register transposes over the
/// flattened planes (AVX; other widths move pixel by pixel).
/// Four output pixels are computed together so four independent FMA chains hide the FMA latency.
/// Bias seeds the accumulators; Relu/Clip are a clamp in registers, other activations run over the interleaved
/// result (same formula per element) before it is written back. Results depend only on the channel, not on how
/// channels are split over threads.
/// </remarks>
internal static unsafe class DepthwiseInterleaved
{
    /// <summary>Largest output plane (OH·OW) routed here: above it the width-vectorised kernels are at least as fast.</summary>
    internal const int MaxOutputPixels = 28 * 28;

    /// <summary>Most kernel taps: the interleaved weights (taps × lanes) live on the stack.</summary>
    internal const int MaxTaps = 64;

    /// <summary>Whether this kernel is the faster choice for <paramref name="g"/> under <paramref name="isa"/>.</summary>
    public static bool Suits(in ConvGeometry g, Isa isa) => g.OutHeight * g.OutWidth <= MaxOutputPixels && Supports(g, isa);

    /// <summary>Whether this kernel can run <paramref name="g"/> under <paramref name="isa"/> at all.</summary>
    public static bool Supports(in ConvGeometry g, Isa isa) =>
        g.IsDepthwise && g.KernelH * g.KernelW <= MaxTaps && (long)PaddedHeight(g) * PaddedWidth(g) <= MaxPaddedPixels
        && ((isa >= Isa.Vector256 && F256.Supported) || (isa >= Isa.Vector128 && F128.Supported));

    /// <summary>Most pixels of the padded plane (large strides or dilations on a small output): bounds the scratch.</summary>
    internal const int MaxPaddedPixels = 1 << 16;

    /// <summary>Rows of the padded plane: exactly the rows the outputs read.</summary>
    private static int PaddedHeight(in ConvGeometry g) => (g.OutHeight - 1) * g.StrideH + (g.KernelH - 1) * g.DilationH + 1;

    /// <summary>Columns of the padded plane: exactly the columns the outputs read.</summary>
    private static int PaddedWidth(in ConvGeometry g) => (g.OutWidth - 1) * g.StrideW + (g.KernelW - 1) * g.DilationW + 1;

    /// <summary>One image: input [C, H, W], weights [C, 1, kh, kw], output [C, OH, OW]; bias per channel (PerRow), no residual.</summary>
    public static void Run(in ConvGeometry g, float* input, float* weights, float* output, in Epilogue e, WorkerPool? pool, Isa isa)
    {
        if (isa >= Isa.Vector256 && F256.Supported) Run<F256, Vector256<float>>(g, input, weights, output, e, pool, isa);
        else Run<F128, Vector128<float>>(g, input, weights, output, e, pool, isa);
    }

    private static void Run<TS, TV>(in ConvGeometry g, float* input, float* weights, float* output, in Epilogue e, WorkerPool? pool, Isa isa)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        if (e.Residual != null) throw new ArgumentException("the depthwise kernels add no residual", nameof(e));
        var body = new Body<TS, TV> { G = g, Input = input, Weights = weights, Output = output, Epilogue = e, Isa = isa };
        int blocks = (g.InChannels + TS.Count - 1) / TS.Count;
        if (pool == null) for (int b = 0; b < blocks; b++) body.Invoke(b);
        else pool.For(blocks, ref body);
    }

    private struct Body<TS, TV> : IParallelBody where TS : struct, ISimdF<TV> where TV : struct
    {
        public ConvGeometry G;
        public float* Input, Weights, Output;
        public Epilogue Epilogue;
        public Isa Isa;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int block)
        {
            int v = TS.Count, c0 = block * v, lanes = Math.Min(v, G.InChannels - c0);
            int oh = G.OutHeight, ow = G.OutWidth, kh = G.KernelH, kw = G.KernelW, taps = kh * kw;
            int hp = PaddedHeight(G), wp = PaddedWidth(G);
            float* plane = Scratch.Get((long)hp * wp * v + (long)oh * ow * v);
            float* result = plane + (long)hp * wp * v;
            Interleave(plane, hp, wp, c0, lanes, v);

            float* w = stackalloc float[taps * v];
            for (int t = 0; t < taps; t++)
                for (int c = 0; c < v; c++) w[t * v + c] = c < lanes ? Weights[(long)(c0 + c) * taps + t] : 0;
            float* b = stackalloc float[v];
            for (int c = 0; c < v; c++) b[c] = c < lanes && Epilogue.BiasKind == BiasKind.PerRow ? Epilogue.Bias[c0 + c] : 0;
            TV bias = TS.Load(b);

            var act = Epilogue.Activation;
            bool clamp = act is Activation.Relu or Activation.Clip;
            TV lo = TS.Splat(act == Activation.Clip ? Epilogue.Alpha : 0f), hi = TS.Splat(act == Activation.Clip ? Epilogue.Beta : float.PositiveInfinity);

            int sx = G.StrideW * v, dx = G.DilationW * v, dy = G.DilationH * wp * v;
            for (int oy = 0; oy < oh; oy++)
            {
                float* top = plane + (long)oy * G.StrideH * wp * v;
                float* row = result + (long)oy * ow * v;
                int ox = 0;
                for (; ox + 4 <= ow; ox += 4)
                {
                    TV a0 = bias, a1 = bias, a2 = bias, a3 = bias;
                    float* p = top + (long)ox * sx;
                    float* wt = w;
                    for (int ky = 0; ky < kh; ky++, p += dy)
                    {
                        float* q = p;
                        for (int kx = 0; kx < kw; kx++, q += dx, wt += v)
                        {
                            TV wv = TS.Load(wt);
                            a0 = TS.Fma(wv, TS.Load(q), a0);
                            a1 = TS.Fma(wv, TS.Load(q + sx), a1);
                            a2 = TS.Fma(wv, TS.Load(q + 2 * sx), a2);
                            a3 = TS.Fma(wv, TS.Load(q + 3 * sx), a3);
                        }
                    }
                    if (clamp)
                    {
                        a0 = TS.Min(TS.Max(a0, lo), hi); a1 = TS.Min(TS.Max(a1, lo), hi);
                        a2 = TS.Min(TS.Max(a2, lo), hi); a3 = TS.Min(TS.Max(a3, lo), hi);
                    }
                    float* r = row + (long)ox * v;
                    TS.Store(a0, r); TS.Store(a1, r + v); TS.Store(a2, r + 2 * v); TS.Store(a3, r + 3 * v);
                }
                for (; ox < ow; ox++)
                {
                    TV a = bias;
                    float* p = top + (long)ox * sx;
                    float* wt = w;
                    for (int ky = 0; ky < kh; ky++, p += dy)
                    {
                        float* q = p;
                        for (int kx = 0; kx < kw; kx++, q += dx, wt += v) a = TS.Fma(TS.Load(wt), TS.Load(q), a);
                    }
                    if (clamp) a = TS.Min(TS.Max(a, lo), hi);
                    TS.Store(a, row + (long)ox * v);
                }
            }
            // Other activations: one pass over the interleaved result (every lane the same formula), still in L1.
            if (!clamp && act != Activation.None) EpilogueVector.ApplyRow(Epilogue.WithoutBias, result, oh * ow * v, 0, null, Isa);
            Deinterleave(result, Output + (long)c0 * oh * ow, oh * ow, lanes, v);
        }

        /// <summary>
        /// Channels [c0, c0+lanes) of the input into the padded interleaved plane (hp × wp pixels of v lanes);
        /// absent lanes and the padding are zero. Whole input rows go through 8×8 register transposes over the
        /// flattened plane (a 7-wide row is shorter than one block), the rest pixel by pixel.
        /// </summary>
        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        private readonly void Interleave(float* plane, int hp, int wp, int c0, int lanes, int v)
        {
            int h = G.InHeight, wd = G.InWidth, pt = G.PadTop, pl = G.PadLeft;
            long image = (long)h * wd;
            float* x = Input + c0 * image;
            // Input rows [iy0, iy1) and columns [ix0, ix1) land in the plane at row iy + pt, column ix + pl.
            int iy0 = Math.Max(0, -pt), iy1 = Math.Min(h, hp - pt), ix0 = Math.Max(0, -pl), ix1 = Math.Min(wd, wp - pl);
            if (iy1 <= iy0 || ix1 <= ix0)
            {
                new Span<float>(plane, hp * wp * v).Clear();
                return;
            }
            // Padding: rows above and below, then the columns left and right of the data in each data row.
            new Span<float>(plane, (iy0 + pt) * wp * v).Clear();
            new Span<float>(plane + (long)(iy1 + pt) * wp * v, (hp - iy1 - pt) * wp * v).Clear();
            int left = ix0 + pl, right = wp - (ix1 + pl);
            for (int r = iy0 + pt; r < iy1 + pt; r++)
            {
                float* d = plane + (long)r * wp * v;
                if (left > 0) new Span<float>(d, left * v).Clear();
                if (right > 0) new Span<float>(d + (long)(ix1 + pl) * v, right * v).Clear();
            }

            if (ix0 != 0 || ix1 != wd)
            {
                // Cropped columns (large strides): pixel by pixel.
                for (int iy = iy0; iy < iy1; iy++)
                    for (int ix = ix0; ix < ix1; ix++) Pixel(x, image, (long)iy * wd + ix, plane + ((long)(iy + pt) * wp + ix + pl) * v, lanes, v);
                return;
            }
            // Whole rows: flat pixels [p0, p1) of the input; pixel p lands at plane row p / wd + pt, column p % wd + pl.
            long p0 = (long)iy0 * wd, p1 = (long)iy1 * wd, pix = p0;
            int row = iy0, col = 0;
            float* d0 = plane + ((long)(row + pt) * wp + pl) * v;
            if (typeof(TV) == typeof(Vector256<float>) && Transpose8x8.Supported)
            {
                var zero = Vector256<float>.Zero;
                for (; pix + 8 <= p1; pix += 8)
                {
                    float* s = x + pix;
                    var r0 = Vector256.Load(s);
                    var r1 = lanes > 1 ? Vector256.Load(s + image) : zero;
                    var r2 = lanes > 2 ? Vector256.Load(s + 2 * image) : zero;
                    var r3 = lanes > 3 ? Vector256.Load(s + 3 * image) : zero;
                    var r4 = lanes > 4 ? Vector256.Load(s + 4 * image) : zero;
                    var r5 = lanes > 5 ? Vector256.Load(s + 5 * image) : zero;
                    var r6 = lanes > 6 ? Vector256.Load(s + 6 * image) : zero;
                    var r7 = lanes > 7 ? Vector256.Load(s + 7 * image) : zero;
                    Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    Vector256.Store(r0, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r1, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r2, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r3, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r4, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r5, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r6, Next(ref d0, ref col, wd, wp, v));
                    Vector256.Store(r7, Next(ref d0, ref col, wd, wp, v));
                }
            }
            for (; pix < p1; pix++) Pixel(x, image, pix, Next(ref d0, ref col, wd, wp, v), lanes, v);
        }

        /// <summary>The plane slot of the next flattened input pixel: column col of the current row, then advance.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float* Next(ref float* rowStart, ref int col, int wd, int wp, int v)
        {
            float* slot = rowStart + (long)col * v;
            if (++col == wd)
            {
                col = 0;
                rowStart += (long)wp * v;
            }
            return slot;
        }

        /// <summary>One pixel's lanes: channel c's value at flat index <paramref name="pix"/>, zero past <paramref name="lanes"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pixel(float* x, long image, long pix, float* d, int lanes, int v)
        {
            int c = 0;
            for (; c < lanes; c++) d[c] = x[c * image + pix];
            for (; c < v; c++) d[c] = 0;
        }

        /// <summary>The interleaved result (n pixels × v lanes) into the lanes' output planes of n floats each.</summary>
        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        private static void Deinterleave(float* result, float* y, int n, int lanes, int v)
        {
            int pix = 0;
            if (typeof(TV) == typeof(Vector256<float>) && Transpose8x8.Supported)
            {
                for (; pix + 8 <= n; pix += 8)
                {
                    float* s = result + (long)pix * 8;
                    var r0 = Vector256.Load(s); var r1 = Vector256.Load(s + 8);
                    var r2 = Vector256.Load(s + 16); var r3 = Vector256.Load(s + 24);
                    var r4 = Vector256.Load(s + 32); var r5 = Vector256.Load(s + 40);
                    var r6 = Vector256.Load(s + 48); var r7 = Vector256.Load(s + 56);
                    Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    float* o = y + pix;
                    Vector256.Store(r0, o);
                    if (lanes > 1) Vector256.Store(r1, o + n);
                    if (lanes > 2) Vector256.Store(r2, o + 2L * n);
                    if (lanes > 3) Vector256.Store(r3, o + 3L * n);
                    if (lanes > 4) Vector256.Store(r4, o + 4L * n);
                    if (lanes > 5) Vector256.Store(r5, o + 5L * n);
                    if (lanes > 6) Vector256.Store(r6, o + 6L * n);
                    if (lanes > 7) Vector256.Store(r7, o + 7L * n);
                }
            }
            for (int c = 0; c < lanes; c++)
            {
                float* o = y + (long)c * n;
                float* s = result + c;
                for (int i = pix; i < n; i++) o[i] = s[(long)i * v];
            }
        }
    }

    /// <summary>A per-thread buffer for the padded interleaved plane and one output row; grows, never shrinks.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? t_buffer;

        public static float* Get(long floats)
        {
            var buffer = t_buffer;
            if (buffer == null || buffer.Length < floats) t_buffer = buffer = GC.AllocateArray<float>((int)floats + 16, pinned: true);
            // 64-byte alignment for the vector loads and stores.
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (float*)((p + 63) & ~(nint)63);
        }
    }
}
