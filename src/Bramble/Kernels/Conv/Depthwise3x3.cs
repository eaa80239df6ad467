using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Depthwise 3×3 convolution, stride 1 or 2, dilation 1, any padding: one channel plane at a time,
/// two output rows per pass so the input rows they share are loaded once, SIMD across the output width.
/// No padded copy of the input: rows above/below the image read a zeroed row, and the few output columns
/// whose taps cross the left/right border are computed by a scalar loop with bounds checks (narrow planes, where
/// that loop would rival the SIMD work, run on a small zero-padded copy instead). The bias and
/// activation are applied to each finished row pair while it is still in L1.
/// </summary>
internal static unsafe class Depthwise3x3
{
    /// <summary>True when <paramref name="g"/> is a depthwise shape this kernel handles.</summary>
    public static bool Handles(in ConvGeometry g) =>
        g.IsDepthwise && g.KernelH == 3 && g.KernelW == 3 && g.DilationH == 1 && g.DilationW == 1
        && g.StrideH == g.StrideW && g.StrideH is 1 or 2;

    /// <summary>
    /// Interior output columns [xs, xe) for vectors of <paramref name="v"/> lanes: every tap of a whole
    /// vector block lies inside the row. A block at ox reads input columns ox·s − pl … ox·s − pl + span − 1.
    /// </summary>
    public static (int Start, int End) Interior(in ConvGeometry g, int v)
    {
        int s = g.StrideW, pl = g.PadLeft;
        int span = s == 1 ? v + 2 : 2 * v + 2;
        int xs = (pl + s - 1) / s;
        int lastStart = g.InWidth - span + pl; // largest ox·s with the block inside
        int xe = lastStart < 0 ? 0 : Math.Min(g.OutWidth, lastStart / s + v); // exclusive end of SIMD-covered outputs
        return (xs, xe);
    }

    /// <summary>
    /// Whether 8-lane vectors suit <paramref name="g"/>: on narrow planes (16 or fewer columns) they may cover
    /// few or no columns, leaving the scalar border loop to do the work, while 4-lane vectors still fit.
    /// </summary>
    public static bool PreferWide(in ConvGeometry g)
    {
        static int Covered(in ConvGeometry g, int v)
        {
            var (xs, xe) = Interior(g, v);
            return xe - xs >= v ? xe - xs : 0;
        }
        return Covered(g, 8) + 2 >= Covered(g, 4);
    }

    /// <summary>One channel: input plane [H, W], 9 weights, output plane [OH, OW]; bias index = channel.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Plane<TS, TV>(in ConvGeometry g, float* x, float* w, float* y, in Epilogue e, int channel, Isa isa)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int h = g.InHeight, wd = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, s = g.StrideH, pt = g.PadTop, pl = g.PadLeft;
        int v = TS.Count;
        var (xs, xe) = Interior(g, v);
        if ((xs > 0 || xe < ow) && ow <= PaddedMaxWidth)
        {
            PaddedPlane<TS, TV>(g, x, w, y, e, channel, isa);
            return;
        }
        float* zero = ZeroRow.Get(wd);
        TV w0 = TS.Splat(w[0]), w1 = TS.Splat(w[1]), w2 = TS.Splat(w[2]);
        TV w3 = TS.Splat(w[3]), w4 = TS.Splat(w[4]), w5 = TS.Splat(w[5]);
        TV w6 = TS.Splat(w[6]), w7 = TS.Splat(w[7]), w8 = TS.Splat(w[8]);
        bool simd = xe - xs >= v;
        // Bias seeds the accumulators and None/Relu/Clip become a clamp in registers; other activations
        // run as a pass over each finished row pair (still in L1).
        float bias = e.BiasKind == BiasKind.PerRow ? e.Bias[channel] : 0;
        bool clampOnly = e.Activation is Activation.None or Activation.Relu or Activation.Clip;
        float lo = e.Activation == Activation.Relu ? 0 : e.Activation == Activation.Clip ? e.Alpha : float.NegativeInfinity;
        float hi = e.Activation == Activation.Clip ? e.Beta : float.PositiveInfinity;
        TV vb = TS.Splat(bias), vlo = TS.Splat(lo), vhi = TS.Splat(hi);
        Span<nint> rows = stackalloc nint[5];
        for (int oy = 0; oy < oh; oy += 2)
        {
            bool two = oy + 1 < oh;
            int iy0 = oy * s - pt;
            for (int r = 0; r < 3 + s; r++)
            {
                int iy = iy0 + r;
                rows[r] = (nint)((uint)iy < (uint)h ? x + (long)iy * wd : zero);
            }
            float* r0 = (float*)rows[0], r1 = (float*)rows[1], r2 = (float*)rows[2], r3 = (float*)rows[3];
            float* r4 = s == 2 ? (float*)rows[4] : null;
            // Second output row's taps: rows s, s+1, s+2.
            float* q0 = s == 1 ? r1 : r2, q1 = s == 1 ? r2 : r3, q2 = s == 1 ? r3 : r4;
            float* y0 = y + (long)oy * ow, y1 = two ? y0 + ow : Scratch.Get(ow);
            if (simd)
            {
                // Overlapping sweep: the last block shifts left to end at xe; outputs are recomputed, not
                // accumulated, so writing some twice is harmless and there is no ragged SIMD tail.
                for (int ox = xs; ; ox = Math.Min(ox + v, xe - v))
                {
                    int ix = ox * s - pl;
                    if (s == 1)
                    {
                        TV a = vb, b = vb, t;
                        t = TS.Load(r0 + ix); a = TS.Fma(w0, t, a);
                        t = TS.Load(r0 + ix + 1); a = TS.Fma(w1, t, a);
                        t = TS.Load(r0 + ix + 2); a = TS.Fma(w2, t, a);
                        t = TS.Load(r1 + ix); a = TS.Fma(w3, t, a); b = TS.Fma(w0, t, b);
                        t = TS.Load(r1 + ix + 1); a = TS.Fma(w4, t, a); b = TS.Fma(w1, t, b);
                        t = TS.Load(r1 + ix + 2); a = TS.Fma(w5, t, a); b = TS.Fma(w2, t, b);
                        t = TS.Load(r2 + ix); a = TS.Fma(w6, t, a); b = TS.Fma(w3, t, b);
                        t = TS.Load(r2 + ix + 1); a = TS.Fma(w7, t, a); b = TS.Fma(w4, t, b);
                        t = TS.Load(r2 + ix + 2); a = TS.Fma(w8, t, a); b = TS.Fma(w5, t, b);
                        t = TS.Load(r3 + ix); b = TS.Fma(w6, t, b);
                        t = TS.Load(r3 + ix + 1); b = TS.Fma(w7, t, b);
                        t = TS.Load(r3 + ix + 2); b = TS.Fma(w8, t, b);
                        TS.Store(TS.Min(TS.Max(a, vlo), vhi), y0 + ox);
                        TS.Store(TS.Min(TS.Max(b, vlo), vhi), y1 + ox);
                    }
                    else
                    {
                        TV a = vb, b = vb, t;
                        a = Row2(r0 + ix, w0, w1, w2, a);
                        a = Row2(r1 + ix, w3, w4, w5, a);
                        t = TS.LoadEven(r2 + ix); a = TS.Fma(w6, t, a); b = TS.Fma(w0, t, b);
                        t = TS.LoadOdd(r2 + ix); a = TS.Fma(w7, t, a); b = TS.Fma(w1, t, b);
                        t = TS.LoadEven(r2 + ix + 2); a = TS.Fma(w8, t, a); b = TS.Fma(w2, t, b);
                        b = Row2(r3 + ix, w3, w4, w5, b);
                        b = Row2(r4 + ix, w6, w7, w8, b);
                        TS.StoreEvenOrder(TS.Min(TS.Max(a, vlo), vhi), y0 + ox);
                        TS.StoreEvenOrder(TS.Min(TS.Max(b, vlo), vhi), y1 + ox);
                    }
                    if (ox + v >= xe) break;
                }
                Edges(r0, r1, r2, w, y0, 0, xs, s, pl, wd, bias, lo, hi);
                Edges(r0, r1, r2, w, y0, xe, ow, s, pl, wd, bias, lo, hi);
                if (two)
                {
                    Edges(q0, q1, q2, w, y1, 0, xs, s, pl, wd, bias, lo, hi);
                    Edges(q0, q1, q2, w, y1, xe, ow, s, pl, wd, bias, lo, hi);
                }
            }
            else
            {
                Edges(r0, r1, r2, w, y0, 0, ow, s, pl, wd, bias, lo, hi);
                if (two) Edges(q0, q1, q2, w, y1, 0, ow, s, pl, wd, bias, lo, hi);
            }
            if (!clampOnly)
            {
                EpilogueVector.ApplyRow(e, y0, ow, 0, null, isa);
                if (two) EpilogueVector.ApplyRow(e, y1, ow, 0, null, isa);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static TV Row2(float* p, TV wa, TV wb, TV wc, TV acc)
        {
            acc = TS.Fma(wa, TS.LoadEven(p), acc);
            acc = TS.Fma(wb, TS.LoadOdd(p), acc);
            return TS.Fma(wc, TS.LoadEven(p + 2), acc);
        }
    }

    /// <summary>
    /// Widest output row run through <see cref="PaddedPlane"/>: on narrow planes (MobileNet's 28², 14², 7²) the
    /// scalar border columns cost as much as the SIMD interior, and the padded copy of such a plane is small.
    /// </summary>
    internal const int PaddedMaxWidth = 32;

    /// <summary>
    /// A narrow plane via a zero-padded copy: the input padded to (OH−1)·s + 3 rows and a width that makes every
    /// output column (rounded up to whole vectors) interior, then <see cref="Plane"/> without borders into a
    /// scratch plane whose first OW columns of each row are the result.
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void PaddedPlane<TS, TV>(in ConvGeometry g, float* x, float* w, float* y, in Epilogue e, int channel, Isa isa)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, s = g.StrideH, oh = g.OutHeight, ow = g.OutWidth, wd = g.InWidth, pl = g.PadLeft;
        int owv = (ow + v - 1) / v * v;
        // Stride 2 needs one column more than OutWidth implies: a vector block reads 2·v + 2 columns.
        int wp = (owv - 1) * s + 2 + s, hp = (oh - 1) * s + 3;
        var padded = g with { InHeight = hp, InWidth = wp, PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 };
        float* xp = PaddedScratch.Get(hp * wp + oh * owv), yp = xp + hp * wp;
        int copied = Math.Clamp(wp - pl, 0, wd);
        for (int r = 0; r < hp; r++)
        {
            var row = new Span<float>(xp + (long)r * wp, wp);
            int iy = r - g.PadTop;
            if ((uint)iy >= (uint)g.InHeight || copied == 0)
            {
                row.Clear();
                continue;
            }
            row[..pl].Clear();
            new ReadOnlySpan<float>(x + (long)iy * wd, copied).CopyTo(row[pl..]);
            row[(pl + copied)..].Clear();
        }
        Plane<TS, TV>(padded, xp, w, yp, e, channel, isa);
        for (int r = 0; r < oh; r++) new ReadOnlySpan<float>(yp + (long)r * owv, ow).CopyTo(new Span<float>(y + (long)r * ow, ow));
    }

    /// <summary>Scalar outputs [x0, x1) of one row with column bounds checks (rows are already valid or zero).</summary>
    [MethodImpl(HotCode.Options)] // called per row: tier-0 code here costs more than the SIMD body
    private static void Edges(float* r0, float* r1, float* r2, float* w, float* y, int x0, int x1, int s, int pl, int wd, float bias, float lo, float hi)
    {
        for (int ox = x0; ox < x1; ox++)
        {
            float acc = bias;
            int ix = ox * s - pl;
            for (int kx = 0; kx < 3; kx++, ix++)
            {
                if ((uint)ix >= (uint)wd) continue;
                acc += w[kx] * r0[ix] + w[3 + kx] * r1[ix] + w[6 + kx] * r2[ix];
            }
            y[ox] = MathF.Min(MathF.Max(acc, lo), hi);
        }
    }

    /// <summary>A per-thread zeroed row standing in for rows in the vertical padding.</summary>
    private static class ZeroRow
    {
        [ThreadStatic] private static float[]? t_row;

        public static float* Get(int floats)
        {
            var row = t_row;
            if (row == null || row.Length < floats) t_row = row = GC.AllocateArray<float>(floats + 32, pinned: true);
            return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(row));
        }
    }

    /// <summary>A per-thread buffer for <see cref="PaddedPlane"/>'s padded input and output planes.</summary>
    private static class PaddedScratch
    {
        [ThreadStatic] private static float[]? t_buffer;

        public static float* Get(int floats)
        {
            var buffer = t_buffer;
            if (buffer == null || buffer.Length < floats) t_buffer = buffer = GC.AllocateArray<float>(floats + 32, pinned: true);
            return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        }
    }

    /// <summary>A per-thread row where the unused second output of an odd last row goes.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? t_row;

        public static float* Get(int floats)
        {
            var row = t_row;
            if (row == null || row.Length < floats) t_row = row = GC.AllocateArray<float>(floats + 32, pinned: true);
            return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(row));
        }
    }
}
