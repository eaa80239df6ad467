using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Pool;

/// <summary>
/// Max pooling across planes instead of across the width, for output planes up to 64² (per pool, 1 thread, in
/// the models: SqueezeNet 55²/27²/13² 0.6-0.7 → 0.36-0.5 / 0.43 → 0.14-0.23 / 0.31 → 0.06-0.12 ms, ResNet-18's 56²
/// 0.71-0.75 → 0.46-0.60 ms, BlazeFace 32² 0.06 → 0.04 ms, its 64² about even): a block of one vector's worth of planes is interleaved into a scratch plane padded with −∞, each
/// output pixel is then kh·kw vector maxima, and the interleaved result is de-interleaved into the output planes
/// (<see cref="InterleavedPlanes{TS, TV}"/>). The width-vectorised kernel spends much of such a plane on its
/// scalar border columns and per-row set-up. −∞ padding equals skipping the padding (the reference) as long as every window holds
/// an input pixel, which <see cref="Supports"/> demands. NaN inputs: the hardware max, as the width-vectorised kernel.
/// </summary>
internal static unsafe class MaxPoolInterleaved
{
    /// <summary>Largest output plane (OH·OW) routed here by shape (measured even at 64², see the summary).</summary>
    internal const int MaxOutputPixels = 64 * 64;

    /// <summary>Most pixels of the padded plane: bounds the scratch (large strides on a small output).</summary>
    internal const int MaxPaddedPixels = 1 << 16;

    /// <summary>Whether this kernel is the faster choice for <paramref name="g"/> under <paramref name="isa"/>.</summary>
    public static bool Suits(in PoolGeometry2d g, Isa isa) => g.OutHeight * g.OutWidth <= MaxOutputPixels && Supports(g, isa);

    /// <summary>Whether it can run <paramref name="g"/>: every window holds an input pixel, the plane is bounded, SIMD is there.</summary>
    public static bool Supports(in PoolGeometry2d g, Isa isa) =>
        g.PadTop < g.KernelH && g.PadLeft < g.KernelW
        && (g.OutHeight - 1) * g.StrideH - g.PadTop < g.InHeight && (g.OutWidth - 1) * g.StrideW - g.PadLeft < g.InWidth
        && (long)PaddedHeight(g) * PaddedWidth(g) <= MaxPaddedPixels
        && ((isa >= Isa.Vector256 && F256.Supported) || (isa >= Isa.Vector128 && F128.Supported));

    private static int PaddedHeight(in PoolGeometry2d g) => (g.OutHeight - 1) * g.StrideH + g.KernelH;

    private static int PaddedWidth(in PoolGeometry2d g) => (g.OutWidth - 1) * g.StrideW + g.KernelW;

    /// <summary>Pools <paramref name="planes"/> planes of [InHeight, InWidth] into [OutHeight, OutWidth].</summary>
    public static void Run(in PoolGeometry2d g, float* input, float* output, int planes, WorkerPool? pool, Isa isa)
    {
        if (isa >= Isa.Vector256 && F256.Supported) Run<F256, Vector256<float>>(g, input, output, planes, pool);
        else Run<F128, Vector128<float>>(g, input, output, planes, pool);
    }

    private static void Run<TS, TV>(in PoolGeometry2d g, float* input, float* output, int planes, WorkerPool? pool)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        var body = new Body<TS, TV> { G = g, Input = input, Output = output, Planes = planes };
        int blocks = (planes + TS.Count - 1) / TS.Count;
        if (pool == null) for (int b = 0; b < blocks; b++) body.Invoke(b);
        else pool.For(blocks, ref body);
    }

    private struct Body<TS, TV> : IParallelBody where TS : struct, ISimdF<TV> where TV : struct
    {
        public PoolGeometry2d G;
        public float* Input, Output;
        public int Planes;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int block)
        {
            int v = TS.Count, c0 = block * v, lanes = Math.Min(v, Planes - c0);
            int oh = G.OutHeight, ow = G.OutWidth, kh = G.KernelH, kw = G.KernelW, hp = PaddedHeight(G), wp = PaddedWidth(G);
            float* plane = DepthwiseInterleaved.Scratch.Get((long)hp * wp * v + (long)oh * ow * v);
            float* result = plane + (long)hp * wp * v;
            InterleavedPlanes<TS, TV>.Interleave(Input + (long)c0 * G.InHeight * G.InWidth, G.InHeight, G.InWidth, G.PadTop, G.PadLeft,
                plane, hp, wp, lanes, float.NegativeInfinity);
            int sx = G.StrideW * v, rowStep = wp * v;
            for (int oy = 0; oy < oh; oy++)
            {
                float* top = plane + (long)oy * G.StrideH * rowStep;
                float* row = result + (long)oy * ow * v;
                int ox = 0;
                // Four outputs at once: four independent max chains.
                for (; ox + 4 <= ow; ox += 4)
                {
                    float* p = top + (long)ox * sx;
                    TV a0 = TS.Load(p), a1 = TS.Load(p + sx), a2 = TS.Load(p + 2 * sx), a3 = TS.Load(p + 3 * sx);
                    for (int ky = 0; ky < kh; ky++, p += rowStep)
                        for (int kx = ky == 0 ? 1 : 0; kx < kw; kx++)
                        {
                            float* q = p + kx * v;
                            a0 = TS.Max(a0, TS.Load(q)); a1 = TS.Max(a1, TS.Load(q + sx));
                            a2 = TS.Max(a2, TS.Load(q + 2 * sx)); a3 = TS.Max(a3, TS.Load(q + 3 * sx));
                        }
                    float* r = row + (long)ox * v;
                    TS.Store(a0, r); TS.Store(a1, r + v); TS.Store(a2, r + 2 * v); TS.Store(a3, r + 3 * v);
                }
                for (; ox < ow; ox++)
                {
                    float* p = top + (long)ox * sx;
                    TV a = TS.Load(p);
                    for (int ky = 0; ky < kh; ky++, p += rowStep)
                        for (int kx = ky == 0 ? 1 : 0; kx < kw; kx++) a = TS.Max(a, TS.Load(p + kx * v));
                    TS.Store(a, row + (long)ox * v);
                }
            }
            InterleavedPlanes<TS, TV>.Deinterleave(result, Output + (long)c0 * oh * ow, oh * ow, lanes);
        }
    }
}
