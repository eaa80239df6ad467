using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// How one int32 of a channel plane meets one int32 of weights: the four-lane sums of a pair form
/// (<see cref="PairDot"/>) or a quad form (<see cref="QuadDot"/>). The plane micro-kernels are written once over it.
/// </summary>
internal interface IPlaneDot
{
    static abstract Vector256<int> Dot(Vector256<int> x, Vector256<int> w);
    static abstract Vector128<int> Dot(Vector128<int> x, Vector128<int> w);
}

/// <summary>int16 pairs: pmaddwd (exact for |values| ≤ 255); elsewhere the even/odd int32 products.</summary>
internal readonly struct PairDot : IPlaneDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> x, Vector256<int> w) => Avx2.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> x, Vector128<int> w) =>
        Sse2.IsSupported ? Sse2.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16()) : Int8MicroKernels.PairDotPortable(x, w);
}

/// <summary>uint8 × int8 quads: pmaddubsw, then pmaddwd against ones (exact for |w| ≤ 64; x86 only).</summary>
internal readonly struct QuadDot : IPlaneDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> x, Vector256<int> w) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x.AsByte(), w.AsSByte()), Vector256<short>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> x, Vector128<int> w) =>
        Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x.AsByte(), w.AsSByte()), Vector128<short>.One);
}

/// <summary>
/// The vector bodies of <see cref="PairPlaneKernels"/> and <see cref="QuadPlaneKernels"/>: acc[r · 16 + c] =
/// Σ_kk dot(x[offsets[kk] + c], a[kk · 6 + r]) for 6 rows and 16 columns.
/// </summary>
internal static unsafe class PlaneMicroKernels<TDot> where TDot : struct, IPlaneDot
{
    private const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;

    /// <summary>12 accumulators, two column loads and six broadcasts per step.</summary>
    public static void Avx2Kernel(int* a, int* x, int* offsets, int steps, int* acc)
    {
        Avx2Sums(a, x, offsets, steps, out var c00, out var c01, out var c10, out var c11, out var c20, out var c21,
            out var c30, out var c31, out var c40, out var c41, out var c50, out var c51);
        c00.Store(acc); c01.Store(acc + 8); c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40); c30.Store(acc + 48); c31.Store(acc + 56);
        c40.Store(acc + 64); c41.Store(acc + 72); c50.Store(acc + 80); c51.Store(acc + 88);
    }

    /// <summary>
    /// <see cref="Avx2Kernel"/> with the requantization done in registers: row r becomes 16 bytes at dst[r], with
    /// bias[r] and multiplier[r] (<see cref="Requantize.One"/>'s operations lane by lane, so bit-identical). On short
    /// reductions (1×1 convolutions over a few dozen channels) storing the sums and requantizing them row by row
    /// took as long as the multiplications.
    /// </summary>
    public static void Avx2KernelRequantized(int* a, int* x, int* offsets, int steps, in TileRequantization q, byte** dst)
    {
        Avx2Sums(a, x, offsets, steps, out var c00, out var c01, out var c10, out var c11, out var c20, out var c21,
            out var c30, out var c31, out var c40, out var c41, out var c50, out var c51);
        q.Store(c00, c01, 0, dst[0]); q.Store(c10, c11, 1, dst[1]); q.Store(c20, c21, 2, dst[2]);
        q.Store(c30, c31, 3, dst[3]); q.Store(c40, c41, 4, dst[4]); q.Store(c50, c51, 5, dst[5]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Avx2Sums(int* a, int* x, int* offsets, int steps,
        out Vector256<int> r00, out Vector256<int> r01, out Vector256<int> r10, out Vector256<int> r11, out Vector256<int> r20, out Vector256<int> r21,
        out Vector256<int> r30, out Vector256<int> r31, out Vector256<int> r40, out Vector256<int> r41, out Vector256<int> r50, out Vector256<int> r51)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* end = offsets + steps;
        for (; offsets < end; offsets++, a += MR)
        {
            int* b = x + *offsets;
            var x0 = Avx.LoadVector256(b);
            var x1 = Avx.LoadVector256(b + 8);
            var w = Vector256.Create(a[0]);
            c00 = Avx2.Add(c00, TDot.Dot(x0, w)); c01 = Avx2.Add(c01, TDot.Dot(x1, w));
            w = Vector256.Create(a[1]);
            c10 = Avx2.Add(c10, TDot.Dot(x0, w)); c11 = Avx2.Add(c11, TDot.Dot(x1, w));
            w = Vector256.Create(a[2]);
            c20 = Avx2.Add(c20, TDot.Dot(x0, w)); c21 = Avx2.Add(c21, TDot.Dot(x1, w));
            w = Vector256.Create(a[3]);
            c30 = Avx2.Add(c30, TDot.Dot(x0, w)); c31 = Avx2.Add(c31, TDot.Dot(x1, w));
            w = Vector256.Create(a[4]);
            c40 = Avx2.Add(c40, TDot.Dot(x0, w)); c41 = Avx2.Add(c41, TDot.Dot(x1, w));
            w = Vector256.Create(a[5]);
            c50 = Avx2.Add(c50, TDot.Dot(x0, w)); c51 = Avx2.Add(c51, TDot.Dot(x1, w));
        }
        r00 = c00; r01 = c01; r10 = c10; r11 = c11; r20 = c20; r21 = c21;
        r30 = c30; r31 = c31; r40 = c40; r41 = c41; r50 = c50; r51 = c51;
    }

    /// <summary>128-bit form (the Raspberry Pi's): two rows at a time, eight accumulators, four column loads per step.</summary>
    public static void Vector128Kernel(int* a, int* x, int* offsets, int steps, int* acc)
    {
        for (int r = 0; r < MR; r += 2)
        {
            Vector128<int> p0 = default, p1 = default, p2 = default, p3 = default;
            Vector128<int> q0 = default, q1 = default, q2 = default, q3 = default;
            for (int kk = 0; kk < steps; kk++)
            {
                int* b = x + offsets[kk];
                var b0 = Vector128.Load(b);
                var b1 = Vector128.Load(b + 4);
                var b2 = Vector128.Load(b + 8);
                var b3 = Vector128.Load(b + 12);
                var w = Vector128.Create(a[kk * MR + r]);
                p0 += TDot.Dot(b0, w); p1 += TDot.Dot(b1, w); p2 += TDot.Dot(b2, w); p3 += TDot.Dot(b3, w);
                w = Vector128.Create(a[kk * MR + r + 1]);
                q0 += TDot.Dot(b0, w); q1 += TDot.Dot(b1, w); q2 += TDot.Dot(b2, w); q3 += TDot.Dot(b3, w);
            }
            int* row = acc + r * NR;
            p0.Store(row); p1.Store(row + 4); p2.Store(row + 8); p3.Store(row + 12);
            q0.Store(row + NR); q1.Store(row + NR + 4); q2.Store(row + NR + 8); q3.Store(row + NR + 12);
        }
    }
}

/// <summary>Per-tile requantization constants for <see cref="PlaneMicroKernels{TDot}.Avx2KernelRequantized"/>: six rows' bias and multiplier, the shared zero point and clamp.</summary>
internal readonly unsafe struct TileRequantization(int* bias, float* multiplier, int zeroPoint, int lo, int hi)
{
    private readonly float _lo = lo - zeroPoint, _hi = hi - zeroPoint;

    /// <summary>Row <paramref name="r"/>'s 16 sums (two vectors) requantized and stored as 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector256<int> s0, Vector256<int> s1, int r, byte* dst)
    {
        var b = Vector256.Create(bias[r]);
        var m = Vector256.Create(multiplier[r]);
        var lo = Vector256.Create(_lo);
        var hi = Vector256.Create(_hi);
        var zp = Vector256.Create(zeroPoint);
        var q0 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Add(s0, b)), m), lo), hi)), zp);
        var q1 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Add(s1, b)), m), lo), hi)), zp);
        // Values are already within the output range: truncating narrows give the uint8 or int8 bytes.
        var w0 = Vector128.Narrow(q0.GetLower(), q0.GetUpper());
        var w1 = Vector128.Narrow(q1.GetLower(), q1.GetUpper());
        Vector128.Narrow(w0, w1).AsByte().Store(dst);
    }
}
