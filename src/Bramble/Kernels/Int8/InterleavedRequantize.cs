using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Conv;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The way out of the interleaved depthwise kernel for int8: n pixels × Count lanes of exact integer sums (held in
/// float) are requantized with per-lane bias and multiplier while still interleaved — the same operations as
/// <see cref="Requantize.One"/>, lane by lane, so bit-identical — then transposed back to channel rows and stored
/// as bytes. One pass instead of de-interleave, convert and requantize passes of their own.
/// </summary>
internal static unsafe class InterleavedRequantize<TS, TV> where TS : struct, ISimdF<TV> where TV : struct
{
    /// <summary>
    /// Lane c of pixel i goes to y[c · <paramref name="planeStride"/> + i] for c &lt; <paramref name="lanes"/>;
    /// <paramref name="bias"/> and <paramref name="multiplier"/> hold Count values (one per lane).
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Run(float* result, int n, int lanes, int* bias, float* multiplier, int zp, int lo, int hi, bool signed, byte* y, long planeStride)
    {
        int v = TS.Count, pix = 0;
        float fLo = lo - zp, fHi = hi - zp;
        if (typeof(TV) == typeof(Vector256<float>) && Avx2.IsSupported)
        {
            var vb = Vector256.Load(bias);
            var vm = Vector256.Load(multiplier);
            var vlo = Vector256.Create(fLo);
            var vhi = Vector256.Create(fHi);
            var vzp = Vector256.Create(zp);
            for (; pix + 8 <= n; pix += 8)
            {
                float* s = result + (long)pix * 8;
                var r0 = Quantize(Vector256.Load(s), vb, vm, vlo, vhi, vzp);
                var r1 = Quantize(Vector256.Load(s + 8), vb, vm, vlo, vhi, vzp);
                var r2 = Quantize(Vector256.Load(s + 16), vb, vm, vlo, vhi, vzp);
                var r3 = Quantize(Vector256.Load(s + 24), vb, vm, vlo, vhi, vzp);
                var r4 = Quantize(Vector256.Load(s + 32), vb, vm, vlo, vhi, vzp);
                var r5 = Quantize(Vector256.Load(s + 40), vb, vm, vlo, vhi, vzp);
                var r6 = Quantize(Vector256.Load(s + 48), vb, vm, vlo, vhi, vzp);
                var r7 = Quantize(Vector256.Load(s + 56), vb, vm, vlo, vhi, vzp);
                // The transpose moves 32-bit lanes whatever they hold: here the quantized ints.
                Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                byte* o = y + pix;
                Store8(r0, o);
                if (lanes > 1) Store8(r1, o + planeStride);
                if (lanes > 2) Store8(r2, o + 2 * planeStride);
                if (lanes > 3) Store8(r3, o + 3 * planeStride);
                if (lanes > 4) Store8(r4, o + 4 * planeStride);
                if (lanes > 5) Store8(r5, o + 5 * planeStride);
                if (lanes > 6) Store8(r6, o + 6 * planeStride);
                if (lanes > 7) Store8(r7, o + 7 * planeStride);
            }
        }
        else if (typeof(TV) == typeof(Vector128<float>) && Transpose4x4.Supported)
        {
            var vb = Vector128.Load(bias);
            var vm = Vector128.Load(multiplier);
            var vlo = Vector128.Create(fLo);
            var vhi = Vector128.Create(fHi);
            var vzp = Vector128.Create(zp);
            for (; pix + 4 <= n; pix += 4)
            {
                float* s = result + (long)pix * 4;
                var r0 = Quantize(Vector128.Load(s), vb, vm, vlo, vhi, vzp);
                var r1 = Quantize(Vector128.Load(s + 4), vb, vm, vlo, vhi, vzp);
                var r2 = Quantize(Vector128.Load(s + 8), vb, vm, vlo, vhi, vzp);
                var r3 = Quantize(Vector128.Load(s + 12), vb, vm, vlo, vhi, vzp);
                Transpose4x4.Run(ref r0, ref r1, ref r2, ref r3);
                byte* o = y + pix;
                Store4(r0, o);
                if (lanes > 1) Store4(r1, o + planeStride);
                if (lanes > 2) Store4(r2, o + 2 * planeStride);
                if (lanes > 3) Store4(r3, o + 3 * planeStride);
            }
        }
        for (int c = 0; c < lanes; c++)
            for (int i = pix; i < n; i++)
            {
                int q = Requantize.One(unchecked((int)result[(long)i * v + c] + bias[c]), multiplier[c], zp, lo, hi);
                if (signed) ((sbyte*)y)[c * planeStride + i] = (sbyte)q;
                else y[c * planeStride + i] = (byte)q;
            }
    }

    /// <summary>Requantize.One on 8 lanes; the result's int32 bits in a float vector (for the transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Quantize(Vector256<float> sum, Vector256<int> bias, Vector256<float> m, Vector256<float> lo, Vector256<float> hi, Vector256<int> zp)
    {
        var v = Avx.ConvertToVector256Single(Avx2.Add(Avx.ConvertToVector256Int32WithTruncation(sum), bias));
        v = Avx.Min(Avx.Max(Avx.Multiply(v, m), lo), hi);
        return Avx2.Add(Avx.ConvertToVector256Int32(v), zp).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Quantize(Vector128<float> sum, Vector128<int> bias, Vector128<float> m, Vector128<float> lo, Vector128<float> hi, Vector128<int> zp)
    {
        var v = Vector128.ConvertToSingle(Vector128.ConvertToInt32(sum) + bias) * m;
        v = Vector128.Min(Vector128.Max(v, lo), hi);
        // Round (half to even) then convert: the conversion of an integral float is exact.
        return (Vector128.ConvertToInt32(Vector128.Round(v)) + zp).AsSingle();
    }

    /// <summary>8 clamped int32 lanes as 8 bytes (two's complement truncation gives uint8 or int8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(Vector256<float> q, byte* dst)
    {
        var s = Vector128.Narrow(q.GetLower().AsInt32(), q.GetUpper().AsInt32());
        *(long*)dst = Vector128.Narrow(s, s).AsInt64().ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(Vector128<float> q, byte* dst)
    {
        var s = Vector128.Narrow(q.AsInt32(), q.AsInt32());
        *(int*)dst = Vector128.Narrow(s, s).AsInt32().ToScalar();
    }
}
