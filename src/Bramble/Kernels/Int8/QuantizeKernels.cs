using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Per-tensor QuantizeLinear / DequantizeLinear over contiguous runs, vectorized with exactly the scalar
/// definition's float operations (divide, round half to even, add zp, clamp), so results are identical.
/// </summary>
public static unsafe class QuantizeKernels
{
    public static void Quantize(Isa isa, float* x, long n, float scale, int zp, bool signed, byte* y)
    {
        var (lo, hi) = Requantize.Range(signed);
        long i = 0;
        if (isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var vs = Vector256.Create(scale);
            var vz = Vector256.Create((float)zp);
            var vlo = Vector256.Create((float)lo);
            var vhi = Vector256.Create((float)hi);
            for (; i + 8 <= n; i += 8)
            {
                var v = Avx.Divide(Avx.LoadVector256(x + i), vs);
                // NaN lanes follow the scalar rule (→ zero point) in the tail loop below.
                if (Avx.MoveMask(Avx.CompareUnordered(v, v)) != 0) { ScalarRange(x, i, i + 8, scale, zp, lo, hi, signed, y); continue; }
                v = Avx.Add(Avx.RoundToNearestInteger(v), vz);
                v = Avx.Min(Avx.Max(v, vlo), vhi);
                var q = Avx.ConvertToVector256Int32WithTruncation(v);
                var s = Vector128.Narrow(q.GetLower(), q.GetUpper());
                *(long*)(y + i) = Vector128.Narrow(s, s).AsInt64().ToScalar();
            }
        }
        ScalarRange(x, i, n, scale, zp, lo, hi, signed, y);
    }

    private static void ScalarRange(float* x, long from, long to, float scale, int zp, int lo, int hi, bool signed, byte* y)
    {
        for (long i = from; i < to; i++)
        {
            int q = Requantize.Quantize(x[i], scale, zp, lo, hi);
            if (signed) ((sbyte*)y)[i] = (sbyte)q;
            else y[i] = (byte)q;
        }
    }

    public static void Dequantize(Isa isa, byte* x, long n, float scale, int zp, bool signed, float* y)
    {
        long i = 0;
        if (isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var vs = Vector256.Create(scale);
            var vz = Vector256.Create(zp);
            for (; i + 8 <= n; i += 8)
            {
                var wide = signed ? Avx2.ConvertToVector256Int32((sbyte*)(x + i)) : Avx2.ConvertToVector256Int32(x + i);
                Avx.Store(y + i, Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(wide, vz)), vs));
            }
        }
        for (; i < n; i++) y[i] = (float)((signed ? ((sbyte*)x)[i] : x[i]) - zp) * scale;
    }

    /// <summary>Widens a row of 8-bit values to int32 minus the zero point (for the depthwise kernel's padded planes).</summary>
    public static void WidenRow(Isa isa, byte* x, int n, int zp, bool signed, int* y)
    {
        int i = 0;
        if (isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var vz = Vector256.Create(zp);
            for (; i + 8 <= n; i += 8)
            {
                var wide = signed ? Avx2.ConvertToVector256Int32((sbyte*)(x + i)) : Avx2.ConvertToVector256Int32(x + i);
                Avx.Store(y + i, Avx2.Subtract(wide, vz));
            }
        }
        for (; i < n; i++) y[i] = (signed ? ((sbyte*)x)[i] : x[i]) - zp;
    }
}
