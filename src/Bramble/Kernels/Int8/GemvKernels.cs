using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Dot products of one staged activation row with one block of <see cref="Columns"/> packed weight columns, the
/// inner loop of <see cref="Int8Gemv"/>. The block is one sequential stream: per step of <see cref="StepBytes"/>
/// bytes of activations, the same step of each of the four columns follows (4 × 32 bytes), so a batch-1 layer
/// reads its weights exactly once, front to back. Two forms:
/// <list type="bullet">
/// <item>bytes: uint8 activations (raw, or int8 + 128) × int8 weights (w − w_zp) with |w − w_zp| ≤ 64, 32 per step.
/// pmaddubsw adds two products into int16, which 255 · 64 · 2 = 32640 cannot saturate, so the sum is exact; the
/// activation zero point is removed afterwards through the bias (Σ (x − zp)·w = Σ x·w − zp·Σ w).</item>
/// <item>words: (x − zp) × (w − w_zp) both as int16, 16 per step, by pmaddwd: exact for any 8-bit values.</item>
/// </list>
/// Every path computes the same int32 sums (wrapping on overflow exactly as the scalar loops do).
/// </summary>
internal static unsafe class GemvKernels
{
    /// <summary>Output columns a block holds (and a kernel call produces).</summary>
    public const int Columns = 4;

    /// <summary>Bytes of one column per step: 32 int8 weights or 16 int16 weights.</summary>
    public const int StepBytes = 32;

    /// <summary>acc[c] = Σ_k x[k] · w_c[k] over <paramref name="steps"/> steps of 32 uint8 activations and int8 weights.</summary>
    public static void Bytes(Isa isa, byte* x, sbyte* w, int steps, int* acc)
    {
        if (isa >= Isa.Vector256 && Avx2.IsSupported) BytesAvx2(x, w, steps, acc);
        else if (isa >= Isa.Vector128 && Ssse3.IsSupported) BytesSsse3(x, w, steps, acc);
        else if (isa >= Isa.Vector128) BytesPortable(x, w, steps, acc);
        else BytesScalar(x, w, steps, acc);
    }

    /// <summary>acc[c] = Σ_k x[k] · w_c[k] over <paramref name="steps"/> steps of 16 int16 activations and weights.</summary>
    public static void Words(Isa isa, short* x, short* w, int steps, int* acc)
    {
        if (isa >= Isa.Vector256 && Avx2.IsSupported) WordsAvx2(x, w, steps, acc);
        else if (isa >= Isa.Vector128 && Sse2.IsSupported) WordsSse2(x, w, steps, acc);
        else if (isa >= Isa.Vector128) WordsPortable(x, w, steps, acc);
        else WordsScalar(x, w, steps, acc);
    }

    /// <summary>The plain definition of <see cref="Bytes"/>: the oracle the vector bodies are tested against.</summary>
    public static void BytesScalar(byte* x, sbyte* w, int steps, int* acc)
    {
        for (int c = 0; c < Columns; c++) acc[c] = 0;
        for (int s = 0; s < steps; s++, x += StepBytes, w += Columns * StepBytes)
            for (int c = 0; c < Columns; c++)
            {
                int sum = 0;
                for (int j = 0; j < StepBytes; j++) sum += x[j] * w[c * StepBytes + j];
                acc[c] = unchecked(acc[c] + sum);
            }
    }

    /// <summary>The plain definition of <see cref="Words"/>.</summary>
    public static void WordsScalar(short* x, short* w, int steps, int* acc)
    {
        const int E = StepBytes / 2;
        for (int c = 0; c < Columns; c++) acc[c] = 0;
        for (int s = 0; s < steps; s++, x += E, w += Columns * E)
            for (int c = 0; c < Columns; c++)
            {
                int sum = 0;
                for (int j = 0; j < E; j++) sum += x[j] * w[c * E + j];
                acc[c] = unchecked(acc[c] + sum);
            }
    }

    private static void BytesAvx2(byte* x, sbyte* w, int steps, int* acc)
    {
        var ones = Vector256.Create((short)1);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += StepBytes, w += Columns * StepBytes)
        {
            var xv = Avx.LoadVector256(x);
            a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w)), ones));
            a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 32)), ones));
            a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 64)), ones));
            a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 96)), ones));
        }
        Store(a0, a1, a2, a3, acc);
    }

    private static void WordsAvx2(short* x, short* w, int steps, int* acc)
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += 16, w += Columns * 16)
        {
            var xv = Avx.LoadVector256(x);
            a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w)));
            a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 16)));
            a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 32)));
            a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(xv, Avx.LoadVector256(w + 48)));
        }
        Store(a0, a1, a2, a3, acc);
    }

    /// <summary>acc[c] = the lane sum of a_c: three horizontal adds leave [Σa0, Σa1, Σa2, Σa3] split over the two halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3, int* acc)
    {
        var s = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
        Sse2.Store(acc, Sse2.Add(s.GetLower(), s.GetUpper()));
    }

    private static void BytesSsse3(byte* x, sbyte* w, int steps, int* acc)
    {
        var ones = Vector128.Create((short)1);
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += StepBytes, w += Columns * StepBytes)
        {
            var x0 = Sse2.LoadVector128(x);
            var x1 = Sse2.LoadVector128(x + 16);
            a0 = Sse2.Add(a0, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w)), ones));
            a0 = Sse2.Add(a0, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 16)), ones));
            a1 = Sse2.Add(a1, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 32)), ones));
            a1 = Sse2.Add(a1, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 48)), ones));
            a2 = Sse2.Add(a2, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 64)), ones));
            a2 = Sse2.Add(a2, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 80)), ones));
            a3 = Sse2.Add(a3, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 96)), ones));
            a3 = Sse2.Add(a3, Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 112)), ones));
        }
        Store(a0, a1, a2, a3, acc);
    }

    private static void WordsSse2(short* x, short* w, int steps, int* acc)
    {
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += 16, w += Columns * 16)
        {
            var x0 = Sse2.LoadVector128(x);
            var x1 = Sse2.LoadVector128(x + 8);
            a0 = Sse2.Add(a0, Sse2.Add(Sse2.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w)), Sse2.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 8))));
            a1 = Sse2.Add(a1, Sse2.Add(Sse2.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 16)), Sse2.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 24))));
            a2 = Sse2.Add(a2, Sse2.Add(Sse2.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 32)), Sse2.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 40))));
            a3 = Sse2.Add(a3, Sse2.Add(Sse2.MultiplyAddAdjacent(x0, Sse2.LoadVector128(w + 48)), Sse2.MultiplyAddAdjacent(x1, Sse2.LoadVector128(w + 56))));
        }
        Store(a0, a1, a2, a3, acc);
    }

    /// <summary>Lane sums once per call (not per step), so their cost is negligible.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2, Vector128<int> a3, int* acc)
    {
        acc[0] = Vector128.Sum(a0);
        acc[1] = Vector128.Sum(a1);
        acc[2] = Vector128.Sum(a2);
        acc[3] = Vector128.Sum(a3);
    }

    /// <summary>
    /// The bytes form with portable 128-bit operations (what ARM runs): bytes widened to int16, multiplied exactly
    /// (|x · w| ≤ 255 · 64), the two halves' products added in int16 (≤ 32640, exact) and widened into int32.
    /// </summary>
    internal static void BytesPortable(byte* x, sbyte* w, int steps, int* acc)
    {
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += StepBytes, w += Columns * StepBytes)
            for (int h = 0; h < StepBytes; h += 16)
            {
                var (xl, xh) = Vector128.Widen(Vector128.Load(x + h));
                var xs = (xl.AsInt16(), xh.AsInt16());
                a0 += ByteProducts(xs, w + h);
                a1 += ByteProducts(xs, w + StepBytes + h);
                a2 += ByteProducts(xs, w + 2 * StepBytes + h);
                a3 += ByteProducts(xs, w + 3 * StepBytes + h);
            }
        Store(a0, a1, a2, a3, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ByteProducts((Vector128<short> Lo, Vector128<short> Hi) x, sbyte* w)
    {
        var (wl, wh) = Vector128.Widen(Vector128.Load(w));
        var p = x.Lo * wl + x.Hi * wh;
        var (pl, ph) = Vector128.Widen(p);
        return pl + ph;
    }

    /// <summary>The words form with portable 128-bit operations: both operands widened to int32, then multiplied.</summary>
    internal static void WordsPortable(short* x, short* w, int steps, int* acc)
    {
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < steps; s++, x += 16, w += Columns * 16)
            for (int h = 0; h < 16; h += 8)
            {
                var xs = Vector128.Widen(Vector128.Load(x + h));
                a0 += WordProducts(xs, w + h);
                a1 += WordProducts(xs, w + 16 + h);
                a2 += WordProducts(xs, w + 32 + h);
                a3 += WordProducts(xs, w + 48 + h);
            }
        Store(a0, a1, a2, a3, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> WordProducts((Vector128<int> Lo, Vector128<int> Hi) x, short* w)
    {
        var (wl, wh) = Vector128.Widen(Vector128.Load(w));
        return x.Lo * wl + x.Hi * wh;
    }
}
