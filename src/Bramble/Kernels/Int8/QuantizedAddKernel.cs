using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// QLinearAdd over two tensors of one shape: c = quantize(a_scale·(a − a_zp) + b_scale·(b − b_zp)) clamped to
/// [lo, hi], with <see cref="Requantize.Quantize"/>'s float operations lane by lane (convert, multiply, add, divide,
/// round half to even, add the zero point, clamp), so bit-identical with the scalar definition. A residual Add
/// between int8 layers runs as this one byte pass instead of two dequantize passes, a float Add and a quantize pass.
/// </summary>
internal readonly unsafe struct QuantizedAddKernel(float aScale, int aZp, float bScale, int bZp, float cScale, int cZp, int lo, int hi, bool signed)
{
    public void Run(Isa isa, byte* a, byte* b, byte* c, long count)
    {
        long i = 0;
        if (isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var vas = Vector256.Create(aScale); var vbs = Vector256.Create(bScale); var vcs = Vector256.Create(cScale);
            var vaz = Vector256.Create(aZp); var vbz = Vector256.Create(bZp); var vcz = Vector256.Create((float)cZp);
            var vlo = Vector256.Create((float)lo); var vhi = Vector256.Create((float)hi);
            for (; i + 8 <= count; i += 8)
            {
                var x = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(Widen8(a + i), vaz)), vas);
                var y = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(Widen8(b + i), vbz)), vbs);
                var q = Avx.Add(Avx.RoundToNearestInteger(Avx.Divide(Avx.Add(x, y), vcs)), vcz);
                var v = Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(q, vlo), vhi));
                var s = Vector128.Narrow(v.GetLower(), v.GetUpper());
                *(long*)(c + i) = Vector128.Narrow(s, s).AsInt64().ToScalar();
            }
        }
        else if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            var vas = Vector128.Create(aScale); var vbs = Vector128.Create(bScale); var vcs = Vector128.Create(cScale);
            var vaz = Vector128.Create(aZp); var vbz = Vector128.Create(bZp); var vcz = Vector128.Create((float)cZp);
            var vlo = Vector128.Create((float)lo); var vhi = Vector128.Create((float)hi);
            for (; i + 4 <= count; i += 4)
            {
                var x = Vector128.ConvertToSingle(Widen4(a + i) - vaz) * vas;
                var y = Vector128.ConvertToSingle(Widen4(b + i) - vbz) * vbs;
                var q = Vector128.Round((x + y) / vcs) + vcz;
                var v = Vector128.ConvertToInt32(Vector128.Min(Vector128.Max(q, vlo), vhi));
                var s = Vector128.Narrow(v, v);
                *(int*)(c + i) = Vector128.Narrow(s, s).AsInt32().ToScalar();
            }
        }
        for (; i < count; i++)
        {
            int av = signed ? ((sbyte*)a)[i] : a[i], bv = signed ? ((sbyte*)b)[i] : b[i];
            int q = Requantize.Quantize(aScale * (av - aZp) + bScale * (bv - bZp), cScale, cZp, lo, hi);
            c[i] = (byte)q;
        }
    }

    private Vector256<int> Widen8(byte* p) => ByteWidening.Widen8(p, signed);

    private Vector128<int> Widen4(byte* p) => ByteWidening.Widen4(p, signed);
}
