using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The int16-pair GEMM micro-kernels: C[4 × 16] (int32) = A[4 × K] · B[K × 16] where both operands hold
/// zero-point-corrected 8-bit values widened to int16 and K runs in pairs. A row's pair (a[2k], a[2k+1])
/// is one int32 that is broadcast; B's panel holds, per pair, 8 columns × (b[2k], b[2k+1]).
/// pmaddwd multiplies the pairs and adds them into int32 exactly (|x−zp|, |w−zp| ≤ 255, so no int16
/// saturation can occur — the hazard of pmaddubsw), which keeps every path bit-exact with the scalar one.
/// </summary>
internal static unsafe class Int8MicroKernels
{
    public const int MR = 4;
    public const int Panel = 8;

    /// <summary>
    /// acc[r * 16 + c] = Σ_kk pairs of a (MR rows, <paramref name="kPairs"/> int32 pairs each, row-interleaved:
    /// a[kk * MR + r]) times b panels (b0 for columns 0–7, b1 for 8–15; each kk holds 8 int32 pairs).
    /// </summary>
    public static void Run(Isa isa, int* a, int* b0, int* b1, int kPairs, int* acc)
    {
        if (isa >= Isa.Vector256 && Avx2.IsSupported) Avx2Kernel(a, b0, b1, kPairs, acc);
        else if (isa >= Isa.Vector128) Vector128Kernel(a, b0, b1, kPairs, acc);
        else ScalarKernel(a, b0, b1, kPairs, acc);
    }

    /// <summary>The plain definition: the oracle the vector kernels are tested against.</summary>
    public static void ScalarKernel(int* a, int* b0, int* b1, int kPairs, int* acc)
    {
        for (int i = 0; i < MR * 16; i++) acc[i] = 0;
        for (int kk = 0; kk < kPairs; kk++)
            for (int r = 0; r < MR; r++)
            {
                int pair = a[kk * MR + r];
                int lo = (short)pair, hi = pair >> 16;
                for (int c = 0; c < 16; c++)
                {
                    int bp = c < 8 ? b0[kk * Panel + c] : b1[kk * Panel + c - 8];
                    acc[r * 16 + c] = unchecked(acc[r * 16 + c] + lo * (short)bp + hi * (bp >> 16));
                }
            }
    }

    private static void Avx2Kernel(int* a, int* b0, int* b1, int kPairs, int* acc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int kk = 0; kk < kPairs; kk++)
        {
            var x0 = Avx.LoadVector256((short*)(b0 + kk * Panel));
            var x1 = Avx.LoadVector256((short*)(b1 + kk * Panel));
            int* ar = a + kk * MR;
            var w = Vector256.Create(ar[0]).AsInt16();
            c00 = Avx2.Add(c00, Avx2.MultiplyAddAdjacent(x0, w));
            c01 = Avx2.Add(c01, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(ar[1]).AsInt16();
            c10 = Avx2.Add(c10, Avx2.MultiplyAddAdjacent(x0, w));
            c11 = Avx2.Add(c11, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(ar[2]).AsInt16();
            c20 = Avx2.Add(c20, Avx2.MultiplyAddAdjacent(x0, w));
            c21 = Avx2.Add(c21, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(ar[3]).AsInt16();
            c30 = Avx2.Add(c30, Avx2.MultiplyAddAdjacent(x0, w));
            c31 = Avx2.Add(c31, Avx2.MultiplyAddAdjacent(x1, w));
        }
        c00.Store(acc); c01.Store(acc + 8);
        c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40);
        c30.Store(acc + 48); c31.Store(acc + 56);
    }

    /// <summary>
    /// 128-bit form: pmaddwd on x86; elsewhere (ARM NEON) the pair product is formed from sign-extended
    /// even and odd int16 halves with int32 multiplies, which is exact too.
    /// </summary>
    private static void Vector128Kernel(int* a, int* b0, int* b1, int kPairs, int* acc)
    {
        for (int r = 0; r < MR; r++)
        {
            Vector128<int> q0 = default, q1 = default, q2 = default, q3 = default;
            for (int kk = 0; kk < kPairs; kk++)
            {
                var w = Vector128.Create(a[kk * MR + r]);
                int* p0 = b0 + kk * Panel, p1 = b1 + kk * Panel;
                q0 += PairDot(Vector128.Load(p0), w);
                q1 += PairDot(Vector128.Load(p0 + 4), w);
                q2 += PairDot(Vector128.Load(p1), w);
                q3 += PairDot(Vector128.Load(p1 + 4), w);
            }
            int* row = acc + r * 16;
            q0.Store(row); q1.Store(row + 4); q2.Store(row + 8); q3.Store(row + 12);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> PairDot(Vector128<int> x, Vector128<int> w)
    {
        if (Sse2.IsSupported) return Sse2.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16());
        return PairDotPortable(x, w);
    }

    /// <summary>pmaddwd without x86: sign-extended even and odd int16 halves multiplied in int32 (the NEON path).</summary>
    internal static Vector128<int> PairDotPortable(Vector128<int> x, Vector128<int> w)
    {
        var xl = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(x, 16), 16);
        var wl = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(w, 16), 16);
        return xl * wl + Vector128.ShiftRightArithmetic(x, 16) * Vector128.ShiftRightArithmetic(w, 16);
    }

    /// <summary>Packs two int16 values into one int32 pair (low = first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Pair(int first, int second) => (ushort)(short)first | (second << 16);
}
