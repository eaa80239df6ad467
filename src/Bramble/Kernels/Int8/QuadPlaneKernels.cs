using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The quad form of <see cref="PairPlaneKernels"/> for x86 without VNNI: each int32 of the planes holds four
/// channels' raw uint8 activations and each weight int32 four int8 weights; pmaddubsw multiplies the bytes and
/// adds adjacent products into int16, pmaddwd against ones adds those pairs into int32. Per multiply instruction
/// that is twice the work of pmaddwd on pre-widened pairs. pmaddubsw saturates an int16 sum above 32767, which
/// 255 · |w| · 2 stays below only for |w| ≤ 64: <see cref="Int8Conv"/> takes this path only for such weights
/// (7-bit codes, as a quantizer aiming at these machines writes them), so it is exact — bit-identical with
/// <see cref="ScalarKernel"/>.
/// </summary>
internal static unsafe class QuadPlaneKernels
{
    public const int MR = PairPlaneKernels.MR;
    public const int NR = PairPlaneKernels.NR;

    /// <summary>The largest |w − w_zp| for which no pmaddubsw sum can saturate.</summary>
    public const int MaxExactWeight = 64;

    /// <summary>Whether this machine has the instructions (SSSE3's pmaddubsw); elsewhere the pair form runs.</summary>
    public static bool Supported => Ssse3.IsSupported;

    /// <summary>acc[r · 16 + c] = Σ_kk Σ_j byte j of x[offsets[kk] + c] · sbyte j of a[kk · 6 + r].</summary>
    public static void Run(Isa isa, int* a, int* x, int* offsets, int kQuads, int* acc)
    {
        if (isa >= Isa.Vector256 && Avx2.IsSupported) Avx2Kernel(a, x, offsets, kQuads, acc);
        else if (isa >= Isa.Vector128 && Ssse3.IsSupported) Ssse3Kernel(a, x, offsets, kQuads, acc);
        else ScalarKernel(a, x, offsets, kQuads, acc);
    }

    /// <summary>The plain definition: the oracle the vector kernels are tested against.</summary>
    public static void ScalarKernel(int* a, int* x, int* offsets, int kQuads, int* acc)
    {
        for (int i = 0; i < MR * NR; i++) acc[i] = 0;
        for (int kk = 0; kk < kQuads; kk++)
        {
            byte* b = (byte*)(x + offsets[kk]);
            for (int r = 0; r < MR; r++)
            {
                sbyte* w = (sbyte*)(a + kk * MR + r);
                for (int c = 0; c < NR; c++)
                    acc[r * NR + c] += b[4 * c] * w[0] + b[4 * c + 1] * w[1] + b[4 * c + 2] * w[2] + b[4 * c + 3] * w[3];
            }
        }
    }

    private static void Avx2Kernel(int* a, int* x, int* offsets, int kQuads, int* acc)
    {
        var ones = Vector256.Create((short)1);
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* end = offsets + kQuads;
        for (; offsets < end; offsets++, a += MR)
        {
            int* b = x + *offsets;
            var x0 = Avx.LoadVector256((byte*)b);
            var x1 = Avx.LoadVector256((byte*)(b + 8));
            var w = Vector256.Create(a[0]).AsSByte();
            c00 = Avx2.Add(c00, Dot(x0, w, ones)); c01 = Avx2.Add(c01, Dot(x1, w, ones));
            w = Vector256.Create(a[1]).AsSByte();
            c10 = Avx2.Add(c10, Dot(x0, w, ones)); c11 = Avx2.Add(c11, Dot(x1, w, ones));
            w = Vector256.Create(a[2]).AsSByte();
            c20 = Avx2.Add(c20, Dot(x0, w, ones)); c21 = Avx2.Add(c21, Dot(x1, w, ones));
            w = Vector256.Create(a[3]).AsSByte();
            c30 = Avx2.Add(c30, Dot(x0, w, ones)); c31 = Avx2.Add(c31, Dot(x1, w, ones));
            w = Vector256.Create(a[4]).AsSByte();
            c40 = Avx2.Add(c40, Dot(x0, w, ones)); c41 = Avx2.Add(c41, Dot(x1, w, ones));
            w = Vector256.Create(a[5]).AsSByte();
            c50 = Avx2.Add(c50, Dot(x0, w, ones)); c51 = Avx2.Add(c51, Dot(x1, w, ones));
        }
        c00.Store(acc); c01.Store(acc + 8); c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40); c30.Store(acc + 48); c31.Store(acc + 56);
        c40.Store(acc + 64); c41.Store(acc + 72); c50.Store(acc + 80); c51.Store(acc + 88);
    }

    private static Vector256<int> Dot(Vector256<byte> x, Vector256<sbyte> w, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, w), ones);

    /// <summary>128-bit form: two rows at a time, eight accumulators, four column loads per quad.</summary>
    private static void Ssse3Kernel(int* a, int* x, int* offsets, int kQuads, int* acc)
    {
        var ones = Vector128.Create((short)1);
        for (int r = 0; r < MR; r += 2)
        {
            Vector128<int> p0 = default, p1 = default, p2 = default, p3 = default;
            Vector128<int> q0 = default, q1 = default, q2 = default, q3 = default;
            for (int kk = 0; kk < kQuads; kk++)
            {
                byte* b = (byte*)(x + offsets[kk]);
                var b0 = Sse2.LoadVector128(b);
                var b1 = Sse2.LoadVector128(b + 16);
                var b2 = Sse2.LoadVector128(b + 32);
                var b3 = Sse2.LoadVector128(b + 48);
                var w = Vector128.Create(a[kk * MR + r]).AsSByte();
                p0 = Sse2.Add(p0, Dot(b0, w, ones)); p1 = Sse2.Add(p1, Dot(b1, w, ones));
                p2 = Sse2.Add(p2, Dot(b2, w, ones)); p3 = Sse2.Add(p3, Dot(b3, w, ones));
                w = Vector128.Create(a[kk * MR + r + 1]).AsSByte();
                q0 = Sse2.Add(q0, Dot(b0, w, ones)); q1 = Sse2.Add(q1, Dot(b1, w, ones));
                q2 = Sse2.Add(q2, Dot(b2, w, ones)); q3 = Sse2.Add(q3, Dot(b3, w, ones));
            }
            int* row = acc + r * NR;
            p0.Store(row); p1.Store(row + 4); p2.Store(row + 8); p3.Store(row + 12);
            q0.Store(row + NR); q1.Store(row + NR + 4); q2.Store(row + NR + 8); q3.Store(row + NR + 12);
        }
    }

    private static Vector128<int> Dot(Vector128<byte> x, Vector128<sbyte> w, Vector128<short> ones) =>
        Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x, w), ones);
}
