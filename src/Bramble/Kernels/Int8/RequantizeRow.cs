using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Vectorized <see cref="Requantize.One"/> over a row of accumulators that share bias, multiplier and
/// range: the same float operations lane by lane (convert, multiply, clamp, round half to even), so the
/// result is bit-identical to the scalar definition.
/// </summary>
internal static unsafe class RequantizeRow
{
    public static void Run(Isa isa, int* acc, int count, int bias, float multiplier, int zp, int lo, int hi, byte* dst, bool signed)
    {
        int i = 0;
        float fLo = lo - zp, fHi = hi - zp;
        if (isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var vb = Vector256.Create(bias);
            var vm = Vector256.Create(multiplier);
            var vlo = Vector256.Create(fLo);
            var vhi = Vector256.Create(fHi);
            var vzp = Vector256.Create(zp);
            for (; i + 8 <= count; i += 8)
            {
                var v = Avx.ConvertToVector256Single(Avx2.Add(Avx.LoadVector256(acc + i), vb));
                v = Avx.Min(Avx.Max(Avx.Multiply(v, vm), vlo), vhi);
                var q = Avx2.Add(Avx.ConvertToVector256Int32(v), vzp);
                StoreBytes(q.GetLower(), q.GetUpper(), dst + i);
            }
        }
        else if (isa >= Isa.Vector128)
        {
            var vb = Vector128.Create(bias);
            var vm = Vector128.Create(multiplier);
            var vlo = Vector128.Create(fLo);
            var vhi = Vector128.Create(fHi);
            var vzp = Vector128.Create(zp);
            for (; i + 8 <= count; i += 8)
            {
                var q0 = Quantize(Vector128.Load(acc + i), vb, vm, vlo, vhi, vzp);
                var q1 = Quantize(Vector128.Load(acc + i + 4), vb, vm, vlo, vhi, vzp);
                StoreBytes(q0, q1, dst + i);
            }
        }
        for (; i < count; i++)
        {
            int q = Requantize.One(unchecked(acc[i] + bias), multiplier, zp, lo, hi);
            if (signed) ((sbyte*)dst)[i] = (sbyte)q;
            else dst[i] = (byte)q;
        }
    }

    private static Vector128<int> Quantize(Vector128<int> acc, Vector128<int> bias, Vector128<float> m, Vector128<float> lo, Vector128<float> hi, Vector128<int> zp)
    {
        var v = Vector128.ConvertToSingle(acc + bias) * m;
        v = Vector128.Min(Vector128.Max(v, lo), hi);
        // Round (half to even) then convert: the conversion of an integral float is exact.
        return Vector128.ConvertToInt32(Vector128.Round(v)) + zp;
    }

    /// <summary>Stores 8 already-clamped int32 lanes as 8 bytes (two's complement truncation gives uint8 or int8).</summary>
    private static void StoreBytes(Vector128<int> a, Vector128<int> b, byte* dst)
    {
        var s = Vector128.Narrow(a, b);
        var bytes = Vector128.Narrow(s, s);
        *(long*)dst = bytes.AsInt64().ToScalar();
    }
}
