using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Depthwise 3×3 convolution, stride 1 or 2, dilation 1, any padding: one channel plane at a time, two output rows
/// per pass so the input rows they share are loaded once, SIMD across the output width. A band of 16 output rows
/// first copies its input rows into a zero-bordered buffer ((16 − 1)·s + 3 rows, in L1 up to 128-wide planes), so
/// every output column is whole-vector, bounds-check-free work; the bias and activation are applied to each
/// finished band while it is still in L1.
/// </summary>
/// <remarks>
/// The band copy replaced scalar border columns (about a third of the time on 128-wide planes) and a per-row-pair
/// loop whose calls made the JIT keep the nine weight vectors on the stack; with the row loops in call-free
/// methods the weights stay in registers. Measured per layer (one thread, minimum of 8 alternating runs, µs,
/// scalar-border kernel → this one): BlazeFace 24 @128 242 → 145, 24 s2 @128 140 → 87, 24 @64 112 → 44,
/// 24 s2 @64 77 → 25, 48 @32 67 → 34; MobileNetV2 32 @112 259 → 151, 144 @56 373 → 182.
/// </remarks>
internal static unsafe class Depthwise3x3
{
    /// <summary>True when <paramref name="g"/> is a depthwise shape this kernel handles.</summary>
    public static bool Handles(in ConvGeometry g) =>
        g.IsDepthwise && g.KernelH == 3 && g.KernelW == 3 && g.DilationH == 1 && g.DilationW == 1
        && g.StrideH == g.StrideW && g.StrideH is 1 or 2;

    /// <summary>
    /// Whether 8-lane vectors suit <paramref name="g"/>: a row narrower than 8 would compute a whole 8-lane vector
    /// for a few columns, while a 4-lane vector wastes less.
    /// </summary>
    public static bool PreferWide(in ConvGeometry g) => g.OutWidth >= 8;

    /// <summary>Output rows per band: the band's padded input rows ((16 − 1)·s + 3 of them) stay in L1 on 128-wide planes.</summary>
    private const int Band = 16;

    /// <summary>One channel: input plane [H, W], 9 weights, output plane [OH, OW]; bias index = channel.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Plane<TS, TV>(in ConvGeometry g, float* x, float* w, float* y, in Epilogue e, int channel, Isa isa)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int h = g.InHeight, wd = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, s = g.StrideH, pt = g.PadTop, pl = g.PadLeft;
        int v = TS.Count;
        // Rows narrower than a vector are computed one vector wide into a scratch band and copied out.
        int owc = Math.Max(ow, v);
        // A padded row holds every column a vector block reads: a stride-2 block reads 2·v + 2 floats from 2·ox.
        int wp = (owc - 1) * s + 2 + s, bandRows = (Band - 1) * s + 3;
        float* band = BandBuffer.Get(bandRows * wp + (Band + 1) * owc);
        float* scratch = band + bandRows * wp; // Band rows of narrow output, then the odd last row's unused partner
        // Columns left of pl and right of the copied data stay zero: every row lands at the same columns.
        new Span<float>(band, bandRows * wp).Clear();
        int copied = Math.Clamp(wp - pl, 0, wd);

        // Bias seeds the accumulators and None/Relu/Clip become a clamp in registers; other activations
        // run as a pass over each finished band (still in L1).
        float bias = e.BiasKind == BiasKind.PerRow ? e.Bias[channel] : 0;
        bool clampOnly = e.Activation is Activation.None or Activation.Relu or Activation.Clip;
        float lo = e.Activation == Activation.Relu ? 0 : e.Activation == Activation.Clip ? e.Alpha : float.NegativeInfinity;
        float hi = e.Activation == Activation.Clip ? e.Beta : float.PositiveInfinity;
        var taps = new Taps(w, bias, lo, hi);
        bool direct = owc == ow;
        for (int oy0 = 0; oy0 < oh; oy0 += Band)
        {
            int count = Math.Min(Band, oh - oy0);
            // Input rows of the band, including those an odd last row's unused partner reads.
            int rowsIn = ((count + 1) / 2 * 2 - 1) * s + 3, iy0 = oy0 * s - pt;
            for (int r = 0; r < rowsIn; r++)
            {
                int iy = iy0 + r;
                float* d = band + (long)r * wp + pl;
                if ((uint)iy < (uint)h) CopyRow<TS, TV>(x + (long)iy * wd, d, copied);
                else new Span<float>(d, copied).Clear();
            }
            float* yb = direct ? y + (long)oy0 * ow : scratch;
            if (s == 1) RowsS1<TS, TV>(band, wp, count, owc, yb, scratch + Band * owc, taps);
            else RowsS2<TS, TV>(band, wp, count, owc, yb, scratch + Band * owc, taps);
            if (!direct)
                for (int r = 0; r < count; r++)
                    new ReadOnlySpan<float>(scratch + (long)r * owc, ow).CopyTo(new Span<float>(y + (long)(oy0 + r) * ow, ow));
            if (!clampOnly) EpilogueVector.ApplyRow(e, y + (long)oy0 * ow, count * ow, 0, null, isa);
        }
    }

    /// <summary>n floats from src to dst (unaligned), inline: rows are short and this runs per input row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow<TS, TV>(float* src, float* dst, int n) where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, i = 0;
        if (n >= v)
        {
            for (; i + v <= n; i += v) TS.Store(TS.Load(src + i), dst + i);
            if (i < n) TS.Store(TS.Load(src + n - v), dst + n - v);
            return;
        }
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>The filter and the clamp of one channel, splatted by the row-pair loops.</summary>
    private readonly struct Taps(float* w, float bias, float lo, float hi)
    {
        public readonly float* W = w;
        public readonly float Bias = bias, Lo = lo, Hi = hi;
    }

    /// <summary>
    /// Stride 1: <paramref name="count"/> output rows of <paramref name="n"/> ≥ Count columns (<paramref name="n"/> apart
    /// from <paramref name="y"/>) from the padded band (rows <paramref name="wp"/> apart), two rows per pass; an odd last
    /// row's partner goes to <paramref name="spare"/>. A method without calls, so the weights, bias and clamp stay in
    /// registers (the JIT spilled them all while the plane loop also made calls).
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private static void RowsS1<TS, TV>(float* band, int wp, int count, int n, float* y, float* spare, in Taps k)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        float* w = k.W;
        TV w0 = TS.Splat(w[0]), w1 = TS.Splat(w[1]), w2 = TS.Splat(w[2]);
        TV w3 = TS.Splat(w[3]), w4 = TS.Splat(w[4]), w5 = TS.Splat(w[5]);
        TV w6 = TS.Splat(w[6]), w7 = TS.Splat(w[7]), w8 = TS.Splat(w[8]);
        TV vb = TS.Splat(k.Bias), vlo = TS.Splat(k.Lo), vhi = TS.Splat(k.Hi);
        int v = TS.Count;
        for (int oy = 0; oy < count; oy += 2)
        {
            float* r0 = band + (long)oy * wp, r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp;
            float* y0 = y + (long)oy * n, y1 = oy + 1 < count ? y0 + n : spare;
            // Overlapping sweep: the last block shifts left to end at n; outputs are recomputed, not accumulated,
            // so writing some twice is harmless and there is no ragged tail.
            for (int ox = 0; ; ox = Math.Min(ox + v, n - v))
            {
                TV a = vb, b = vb, t;
                t = TS.Load(r0 + ox); a = TS.Fma(w0, t, a);
                t = TS.Load(r0 + ox + 1); a = TS.Fma(w1, t, a);
                t = TS.Load(r0 + ox + 2); a = TS.Fma(w2, t, a);
                t = TS.Load(r1 + ox); a = TS.Fma(w3, t, a); b = TS.Fma(w0, t, b);
                t = TS.Load(r1 + ox + 1); a = TS.Fma(w4, t, a); b = TS.Fma(w1, t, b);
                t = TS.Load(r1 + ox + 2); a = TS.Fma(w5, t, a); b = TS.Fma(w2, t, b);
                t = TS.Load(r2 + ox); a = TS.Fma(w6, t, a); b = TS.Fma(w3, t, b);
                t = TS.Load(r2 + ox + 1); a = TS.Fma(w7, t, a); b = TS.Fma(w4, t, b);
                t = TS.Load(r2 + ox + 2); a = TS.Fma(w8, t, a); b = TS.Fma(w5, t, b);
                t = TS.Load(r3 + ox); b = TS.Fma(w6, t, b);
                t = TS.Load(r3 + ox + 1); b = TS.Fma(w7, t, b);
                t = TS.Load(r3 + ox + 2); b = TS.Fma(w8, t, b);
                TS.Store(TS.Min(TS.Max(a, vlo), vhi), y0 + ox);
                TS.Store(TS.Min(TS.Max(b, vlo), vhi), y1 + ox);
                if (ox + v >= n) break;
            }
        }
    }

    /// <summary>Stride 2: as <see cref="RowsS1"/>; a row pair reads band rows 0–4 and the next pair starts 4 rows down.</summary>
    [MethodImpl(HotCode.Options)]
    private static void RowsS2<TS, TV>(float* band, int wp, int count, int n, float* y, float* spare, in Taps k)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        float* w = k.W;
        TV w0 = TS.Splat(w[0]), w1 = TS.Splat(w[1]), w2 = TS.Splat(w[2]);
        TV w3 = TS.Splat(w[3]), w4 = TS.Splat(w[4]), w5 = TS.Splat(w[5]);
        TV w6 = TS.Splat(w[6]), w7 = TS.Splat(w[7]), w8 = TS.Splat(w[8]);
        TV vb = TS.Splat(k.Bias), vlo = TS.Splat(k.Lo), vhi = TS.Splat(k.Hi);
        int v = TS.Count;
        for (int oy = 0; oy < count; oy += 2)
        {
            float* r0 = band + 2L * oy * wp, r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp, r4 = r3 + wp;
            float* y0 = y + (long)oy * n, y1 = oy + 1 < count ? y0 + n : spare;
            for (int ox = 0; ; ox = Math.Min(ox + v, n - v))
            {
                int ix = 2 * ox;
                TV a = vb, b = vb, t;
                a = Row(r0 + ix, w0, w1, w2, a);
                a = Row(r1 + ix, w3, w4, w5, a);
                t = TS.LoadEven(r2 + ix); a = TS.Fma(w6, t, a); b = TS.Fma(w0, t, b);
                t = TS.LoadOdd(r2 + ix); a = TS.Fma(w7, t, a); b = TS.Fma(w1, t, b);
                t = TS.LoadEven(r2 + ix + 2); a = TS.Fma(w8, t, a); b = TS.Fma(w2, t, b);
                b = Row(r3 + ix, w3, w4, w5, b);
                b = Row(r4 + ix, w6, w7, w8, b);
                TS.StoreEvenOrder(TS.Min(TS.Max(a, vlo), vhi), y0 + ox);
                TS.StoreEvenOrder(TS.Min(TS.Max(b, vlo), vhi), y1 + ox);
                if (ox + v >= n) break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static TV Row(float* p, TV wa, TV wb, TV wc, TV acc)
        {
            acc = TS.Fma(wa, TS.LoadEven(p), acc);
            acc = TS.Fma(wb, TS.LoadOdd(p), acc);
            return TS.Fma(wc, TS.LoadEven(p + 2), acc);
        }
    }

    /// <summary>A per-thread buffer for a band of padded rows and its scratch output rows.</summary>
    private static class BandBuffer
    {
        [ThreadStatic] private static float[]? t_buffer;

        public static float* Get(int floats)
        {
            var buffer = t_buffer;
            if (buffer == null || buffer.Length < floats) t_buffer = buffer = GC.AllocateArray<float>(floats + 32, pinned: true);
            return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        }
    }
}
