using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Pool;

/// <summary>Which reduction a window pool applies.</summary>
public enum PoolKind { Max, Average, AverageIncludePad }

/// <summary>
/// Fast 2-D max/average pooling over NCHW float32 planes, SIMD across the output width, planes spread over
/// the worker pool. Output columns whose windows lie inside the row run as vectors (stride 1: plain loads;
/// stride 2: even/odd lane picks); the columns at the borders, other strides, and the Scalar cap run a
/// bounds-checked scalar loop with the reference's semantics (padding is never read; the average divides by
/// the taps inside X, or with count_include_pad by the taps inside the padded extent). With NaN inputs the
/// vector max (hardware max instruction) may pick a different operand than the reference's scalar rule.
/// </summary>
public static unsafe class Pool2dKernel
{
    /// <summary>Pools <paramref name="planes"/> planes of [InHeight, InWidth] into [OutHeight, OutWidth].</summary>
    public static void Run(PoolKind kind, in PoolGeometry2d g, float* input, float* output, int planes, WorkerPool? pool, Isa maxIsa) =>
        Run(kind, g, input, output, planes, pool, maxIsa, interleaved: null);

    /// <summary>
    /// As <see cref="Run(PoolKind, in PoolGeometry2d, float*, float*, int, WorkerPool?, Isa)"/>; <paramref name="interleaved"/>
    /// forces (true: wherever it can run) or forbids (false) <see cref="MaxPoolInterleaved"/> for max pools, null chooses by
    /// shape among it, <see cref="SeparableMaxPool"/> and the width-vectorised kernel.
    /// </summary>
    internal static void Run(PoolKind kind, in PoolGeometry2d g, float* input, float* output, int planes, WorkerPool? pool, Isa maxIsa, bool? interleaved)
    {
        g.Validate();
        var isa = CpuFeatures.Effective(maxIsa);
        if (kind == PoolKind.Max && interleaved == null && SeparableMaxPool.Suits(g, isa))
        {
            SeparableMaxPool.Run(g, input, output, planes, planes * (long)g.OutHeight * g.OutWidth * g.KernelH * g.KernelW < 1 << 15 ? null : pool, isa);
            return;
        }
        if (kind == PoolKind.Max && (interleaved ?? MaxPoolInterleaved.Suits(g, isa)) && MaxPoolInterleaved.Supports(g, isa))
        {
            MaxPoolInterleaved.Run(g, input, output, planes, planes * (long)g.OutHeight * g.OutWidth * g.KernelH * g.KernelW < 1 << 15 ? null : pool, isa);
            return;
        }
        var body = new Body { Kind = kind, G = g, Input = input, Output = output, Isa = CpuFeatures.Effective(maxIsa) };
        if (pool == null || (long)planes * g.OutHeight * g.OutWidth * g.KernelH * g.KernelW < 1 << 15)
            for (int i = 0; i < planes; i++) body.Invoke(i);
        else pool.For(planes, ref body);
    }

    /// <summary>Name for profiles.</summary>
    public static string Name(PoolKind kind, Isa maxIsa) => $"pool2d {kind.ToString().ToLowerInvariant()} {CpuFeatures.Effective(maxIsa)}";

    /// <summary>Name for profiles of a pool over <paramref name="g"/>: says when the interleaved max pool runs it.</summary>
    public static string Name(PoolKind kind, in PoolGeometry2d g, Isa maxIsa)
    {
        var isa = CpuFeatures.Effective(maxIsa);
        if (kind == PoolKind.Max && SeparableMaxPool.Suits(g, isa)) return $"pool2d max-separable {isa}";
        return kind == PoolKind.Max && MaxPoolInterleaved.Suits(g, isa) ? $"pool2d max-interleaved {isa}" : Name(kind, maxIsa);
    }

    private struct Body : IParallelBody
    {
        public PoolKind Kind;
        public PoolGeometry2d G;
        public float* Input, Output;
        public Isa Isa;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int i)
        {
            float* x = Input + (long)i * G.InHeight * G.InWidth, y = Output + (long)i * G.OutHeight * G.OutWidth;
            if (Isa >= Isa.Vector256 && F256.Supported) Plane<F256, Vector256<float>>(Kind, G, x, y);
            else if (Isa >= Isa.Vector128 && F128.Supported) Plane<F128, Vector128<float>>(Kind, G, x, y);
            else Scalar(Kind, G, x, y, 0, G.OutHeight, 0, G.OutWidth);
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Plane<TS, TV>(PoolKind kind, in PoolGeometry2d g, float* x, float* y)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, s = g.StrideW, kw = g.KernelW, wd = g.InWidth, ow = g.OutWidth;
        if (s > 2) { Scalar(kind, g, x, y, 0, g.OutHeight, 0, ow); return; }
        // A vector block at ox reads input columns ox·s − pl … ox·s − pl + span − 1.
        int span = s == 1 ? v + kw - 1 : 2 * v + kw - 1 + (kw & 1);
        int xs = (g.PadLeft + s - 1) / s;
        int lastStart = wd - span + g.PadLeft;
        int xe = lastStart < 0 ? 0 : Math.Min(ow, lastStart / s + v);
        if (xe - xs < v) { Scalar(kind, g, x, y, 0, g.OutHeight, 0, ow); return; }
        bool max = kind == PoolKind.Max;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int iy0 = oy * g.StrideH - g.PadTop;
            int ky0 = Math.Max(0, -iy0), ky1 = Math.Min(g.KernelH, g.InHeight - iy0);
            float* yr = y + (long)oy * ow;
            if (ky0 >= ky1) { Scalar(kind, g, x, y, oy, oy + 1, 0, ow); continue; }
            // Interior columns have all kw taps inside; only the rows vary, so the divisor is per row.
            // count_include_pad counts the rows above the end of the bottom padding (iy0 ≥ −PadTop always).
            int rowsCounted = kind == PoolKind.AverageIncludePad ? Math.Min(g.KernelH, g.InHeight + g.PadBottom - iy0) : ky1 - ky0;
            var scale = TS.Splat(1f / (rowsCounted * kw));
            for (int ox = xs; ; ox = Math.Min(ox + v, xe - v))
            {
                float* p = x + (long)(iy0 + ky0) * wd + ox * s - g.PadLeft;
                TV acc;
                if (s == 2 && kw == 3) acc = ThreeWideStride2<TS, TV>(p, wd, ky1 - ky0, max);
                else
                {
                    acc = Taps<TS, TV>(p, kw, s, max);
                    for (int ky = ky0 + 1; ky < ky1; ky++)
                    {
                        p += wd;
                        var t = Taps<TS, TV>(p, kw, s, max);
                        acc = max ? TS.Max(acc, t) : TS.Add(acc, t);
                    }
                }
                if (!max) acc = TS.Fma(acc, scale, TS.Zero);
                if (s == 1) TS.Store(acc, yr + ox); else TS.StoreEvenOrder(acc, yr + ox);
                if (ox + v >= xe) break;
            }
            Scalar(kind, g, x, y, oy, oy + 1, 0, xs);
            Scalar(kind, g, x, y, oy, oy + 1, xe, ow);
        }
    }

    /// <summary>
    /// The 3-wide stride-2 window (ResNet's and SqueezeNet's max pools) over <paramref name="rows"/> rows: reduce the
    /// rows first on plain loads at column offsets 0 and 2, then pick the even/odd lanes once (taps 0, 1 from offset 0,
    /// tap 2 from offset 2) — 4 loads per row and 3 shuffles per output vector instead of 6 loads and 3 shuffles per row.
    /// Reads columns 0 … 2·Count + 1 of each row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ThreeWideStride2<TS, TV>(float* p, int wd, int rows, bool max) where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count;
        TV a0 = TS.Load(p), a1 = TS.Load(p + v), b0 = TS.Load(p + 2), b1 = TS.Load(p + 2 + v);
        for (int r = 1; r < rows; r++)
        {
            p += wd;
            if (max)
            {
                a0 = TS.Max(a0, TS.Load(p)); a1 = TS.Max(a1, TS.Load(p + v));
                b0 = TS.Max(b0, TS.Load(p + 2)); b1 = TS.Max(b1, TS.Load(p + 2 + v));
            }
            else
            {
                a0 = TS.Add(a0, TS.Load(p)); a1 = TS.Add(a1, TS.Load(p + v));
                b0 = TS.Add(b0, TS.Load(p + 2)); b1 = TS.Add(b1, TS.Load(p + 2 + v));
            }
        }
        TV t0 = TS.PickEven(a0, a1), t1 = TS.PickOdd(a0, a1), t2 = TS.PickEven(b0, b1);
        return max ? TS.Max(TS.Max(t0, t1), t2) : TS.Add(TS.Add(t0, t1), t2);
    }

    /// <summary>Max or sum over the kw taps of one input row for a vector of outputs at stride <paramref name="s"/> (1 or 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Taps<TS, TV>(float* p, int kw, int s, bool max) where TS : struct, ISimdF<TV> where TV : struct
    {
        TV acc = s == 1 ? TS.Load(p) : TS.LoadEven(p);
        for (int kx = 1; kx < kw; kx++)
        {
            TV t = s == 1 ? TS.Load(p + kx) : (kx & 1) == 0 ? TS.LoadEven(p + kx) : TS.LoadOdd(p + kx - 1);
            acc = max ? TS.Max(acc, t) : TS.Add(acc, t);
        }
        return acc;
    }

    /// <summary>Outputs [oy0, oy1) × [ox0, ox1) with bounds checks: the reference's semantics.</summary>
    [MethodImpl(HotCode.Options)] // called per row for the borders
    private static void Scalar(PoolKind kind, in PoolGeometry2d g, float* x, float* y, int oy0, int oy1, int ox0, int ox1)
    {
        for (int oy = oy0; oy < oy1; oy++)
        {
            int iy0 = oy * g.StrideH - g.PadTop;
            for (int ox = ox0; ox < ox1; ox++)
            {
                int ix0 = ox * g.StrideW - g.PadLeft;
                float best = float.MinValue, sum = 0;
                bool any = false;
                int valid = 0, padded = 0;
                for (int ky = 0; ky < g.KernelH; ky++)
                {
                    int iy = iy0 + ky;
                    if (iy >= g.InHeight + g.PadBottom) break;
                    for (int kx = 0; kx < g.KernelW; kx++)
                    {
                        int ix = ix0 + kx;
                        if (ix >= g.InWidth + g.PadRight) break;
                        padded++;
                        if ((uint)iy >= (uint)g.InHeight || (uint)ix >= (uint)g.InWidth) continue;
                        float val = x[(long)iy * g.InWidth + ix];
                        valid++;
                        sum += val;
                        if (!any || val > best) { best = val; any = true; }
                    }
                }
                int count = kind == PoolKind.AverageIncludePad ? padded : valid;
                y[(long)oy * g.OutWidth + ox] = kind == PoolKind.Max ? best : count == 0 ? 0f : sum / count;
            }
        }
    }
}
