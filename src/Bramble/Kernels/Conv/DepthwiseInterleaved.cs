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
/// here the plane size does not matter, and the two transpositions run as register transposes over the
/// flattened planes (8×8 with AVX, 4×4 with SSE or NEON).
/// Four output pixels are computed together so four independent FMA chains hide the FMA latency.
/// Bias seeds the accumulators; Relu/Clip are a clamp in registers, other activations run over the interleaved
/// result (same formula per element) before it is written back. Results depend only on the channel, not on how
/// channels are split over threads.
/// </remarks>
internal static unsafe class DepthwiseInterleaved
{
    /// <summary>
    /// Largest output plane (OH·OW) of a 3×3 stride-1/2 layer routed here: above it the banded Depthwise3x3 is faster.
    /// Measured (one thread, µs, plane kernel vs this one, minimum of alternating runs): 28² outputs 192 @28 108 vs 97,
    /// 144 s2 @56 147 vs 127; 32² outputs 48 @32 30 vs 33, 32 @32 20 vs 21, 24 s2 @64 29 vs 28 (a tie); larger
    /// planes clearly favour the plane kernel (24 @64 46 vs 63, 144 @56 219 vs 259, 24 @128 160 vs 245).
    /// </summary>
    internal const int MaxOutputPixels = 28 * 28;

    /// <summary>Most kernel taps: the interleaved weights (taps × lanes) live on the stack.</summary>
    internal const int MaxTaps = 64;

    /// <summary>
    /// Whether this kernel is the faster choice for <paramref name="g"/> under <paramref name="isa"/>: small planes, and
    /// kernels other than 3×3 (stride 1/2) at any size, whose plane kernel works on a padded copy with a loop per tap
    /// (PP-OCR det's 5×5 at 40²: 1.15 → 0.66–0.84 ms). Larger 3×3 planes stay with Depthwise3x3: at stride 2 on 56²–64²
    /// planes this kernel measured no faster (BlazeFace 24 @64: 0.11 → 0.18–0.20 ms).
    /// </summary>
    public static bool Suits(in ConvGeometry g, Isa isa) =>
        (g.OutHeight * g.OutWidth <= MaxOutputPixels || !Depthwise3x3.Handles(g)) && Supports(g, isa);

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
            InterleavedPlanes<TS, TV>.Interleave(Input + (long)c0 * G.InHeight * G.InWidth, G.InHeight, G.InWidth, G.PadTop, G.PadLeft, plane, hp, wp, lanes, 0f);

            float* w = stackalloc float[taps * v];
            for (int t = 0; t < taps; t++)
                for (int c = 0; c < v; c++) w[t * v + c] = c < lanes ? Weights[(long)(c0 + c) * taps + t] : 0;
            float* b = stackalloc float[v];
            for (int c = 0; c < v; c++) b[c] = c < lanes && Epilogue.BiasKind == BiasKind.PerRow ? Epilogue.Bias[c0 + c] : 0;
            TV bias = TS.Load(b);

            var act = Epilogue.Activation;
            bool clamp = act is Activation.Relu or Activation.Clip;
            TV lo = TS.Splat(act == Activation.Clip ? Epilogue.Alpha : 0f), hi = TS.Splat(act == Activation.Clip ? Epilogue.Beta : float.PositiveInfinity);

            ComputeRows<TS, TV>(G, plane, wp, w, bias, clamp, lo, hi, result, oh);
            // Other activations: one pass over the interleaved result (every lane the same formula), still in L1.
            if (!clamp && act != Activation.None) EpilogueVector.ApplyRow(Epilogue.WithoutBias, result, oh * ow * v, 0, null, Isa);
            InterleavedPlanes<TS, TV>.Deinterleave(result, Output + (long)c0 * oh * ow, oh * ow, lanes);
        }
    }

    /// <summary>
    /// Output rows [0, <paramref name="rows"/>) of one channel block from its padded interleaved plane (<paramref name="wp"/>
    /// pixels wide, row 0 the top row output row 0 reads) into <paramref name="result"/> (pixel-major, Count lanes each):
    /// per-lane weights <paramref name="w"/> (taps × Count), <paramref name="bias"/> seeding the sums, an optional clamp.
    /// Shared with the int8 depthwise kernel, which runs it on zero-point-free integers (exact in float).
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    internal static void ComputeRows<TS, TV>(in ConvGeometry g, float* plane, int wp, float* w, TV bias, bool clamp, TV lo, TV hi, float* result, int rows)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, ow = g.OutWidth, kh = g.KernelH, kw = g.KernelW;
        int sx = g.StrideW * v, dx = g.DilationW * v, dy = g.DilationH * wp * v;
        for (int oy = 0; oy < rows; oy++)
        {
            float* top = plane + (long)oy * g.StrideH * wp * v;
            float* row = result + (long)oy * ow * v;
            int ox = 0;
            // Eight pixels at a time: eight independent FMA chains cover the FMA latency (4 cycles at 2 per cycle on
            // x64; the weight is one load per eight FMAs), four were latency-bound. Each pixel's sum still runs over
            // the taps in the same order, so the result is the same as one pixel at a time. Overlapping sweep: the
            // last block shifts left to end at ow; a recomputed pixel gets the same value, and a 14-wide row is two
            // blocks instead of 8 + 4 + two single pixels whose 9-FMA chains were pure latency.
            if (ow >= 8)
            {
                for (; ; ox = Math.Min(ox + 8, ow - 8))
                {
                    TV a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
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
                            a4 = TS.Fma(wv, TS.Load(q + 4 * sx), a4);
                            a5 = TS.Fma(wv, TS.Load(q + 5 * sx), a5);
                            a6 = TS.Fma(wv, TS.Load(q + 6 * sx), a6);
                            a7 = TS.Fma(wv, TS.Load(q + 7 * sx), a7);
                        }
                    }
                    if (clamp)
                    {
                        a0 = TS.Min(TS.Max(a0, lo), hi); a1 = TS.Min(TS.Max(a1, lo), hi);
                        a2 = TS.Min(TS.Max(a2, lo), hi); a3 = TS.Min(TS.Max(a3, lo), hi);
                        a4 = TS.Min(TS.Max(a4, lo), hi); a5 = TS.Min(TS.Max(a5, lo), hi);
                        a6 = TS.Min(TS.Max(a6, lo), hi); a7 = TS.Min(TS.Max(a7, lo), hi);
                    }
                    float* r = row + (long)ox * v;
                    TS.Store(a0, r); TS.Store(a1, r + v); TS.Store(a2, r + 2 * v); TS.Store(a3, r + 3 * v);
                    TS.Store(a4, r + 4 * v); TS.Store(a5, r + 5 * v); TS.Store(a6, r + 6 * v); TS.Store(a7, r + 7 * v);
                    if (ox + 8 >= ow) break;
                }
                continue;
            }
            if (ow >= 4)
            {
                for (; ; ox = Math.Min(ox + 4, ow - 4))
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
                    if (ox + 4 >= ow) break;
                }
                continue;
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
    }

    /// <summary>A per-thread buffer for a padded interleaved plane and its interleaved result (64-byte aligned); grows, never shrinks.</summary>
    internal static class Scratch
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
