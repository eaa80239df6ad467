using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Micro-kernels of the implicit int8 GEMM over pair planes (see <see cref="Int8Conv"/>'s pair-plane path):
/// C[6 × 16] (int32) = A[6 × K] · B[K × 16], where K runs in int16 pairs, A is a weight panel (pair kk of row
/// r at a[kk · MR + r]) and B is never materialised: pair kk of the 16 columns is the 16 consecutive int32
/// pairs at x + offsets[kk] — a shifted window of the padded, channel-pair-interleaved input. So a stride-1
/// k×k convolution runs with no im2col copy at all. pmaddwd keeps every product and pair sum exact
/// (|x − zp|, |w − zp| ≤ 255), so every path is bit-exact with the scalar one.
/// </summary>
internal static unsafe class PairPlaneKernels
{
    public const int MR = 6;
    public const int NR = 16;

    /// <summary>acc[r · 16 + c] = Σ_kk pair(a[kk · 6 + r]) · pair(x[offsets[kk] + c]) for 6 rows and 16 columns.</summary>
    public static void Run(Isa isa, int* a, int* x, int* offsets, int kPairs, int* acc)
    {
        if (isa >= Isa.Vector256 && Avx2.IsSupported) Avx2Kernel(a, x, offsets, kPairs, acc);
        else if (isa >= Isa.Vector128) Vector128Kernel(a, x, offsets, kPairs, acc);
        else ScalarKernel(a, x, offsets, kPairs, acc);
    }

    /// <summary>The plain definition: the oracle the vector kernels are tested against.</summary>
    public static void ScalarKernel(int* a, int* x, int* offsets, int kPairs, int* acc)
    {
        for (int i = 0; i < MR * NR; i++) acc[i] = 0;
        for (int kk = 0; kk < kPairs; kk++)
        {
            int* b = x + offsets[kk];
            for (int r = 0; r < MR; r++)
            {
                int pair = a[kk * MR + r];
                int lo = (short)pair, hi = pair >> 16;
                for (int c = 0; c < NR; c++)
                    acc[r * NR + c] = unchecked(acc[r * NR + c] + lo * (short)b[c] + hi * (b[c] >> 16));
            }
        }
    }

    /// <summary>12 accumulators, two column loads and six broadcasts per pair: 15 of the 16 ymm registers.</summary>
    private static void Avx2Kernel(int* a, int* x, int* offsets, int kPairs, int* acc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* end = offsets + kPairs;
        for (; offsets < end; offsets++, a += MR)
        {
            int* b = x + *offsets;
            var x0 = Avx.LoadVector256((short*)b);
            var x1 = Avx.LoadVector256((short*)(b + 8));
            var w = Vector256.Create(a[0]).AsInt16();
            c00 = Avx2.Add(c00, Avx2.MultiplyAddAdjacent(x0, w));
            c01 = Avx2.Add(c01, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(a[1]).AsInt16();
            c10 = Avx2.Add(c10, Avx2.MultiplyAddAdjacent(x0, w));
            c11 = Avx2.Add(c11, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(a[2]).AsInt16();
            c20 = Avx2.Add(c20, Avx2.MultiplyAddAdjacent(x0, w));
            c21 = Avx2.Add(c21, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(a[3]).AsInt16();
            c30 = Avx2.Add(c30, Avx2.MultiplyAddAdjacent(x0, w));
            c31 = Avx2.Add(c31, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(a[4]).AsInt16();
            c40 = Avx2.Add(c40, Avx2.MultiplyAddAdjacent(x0, w));
            c41 = Avx2.Add(c41, Avx2.MultiplyAddAdjacent(x1, w));
            w = Vector256.Create(a[5]).AsInt16();
            c50 = Avx2.Add(c50, Avx2.MultiplyAddAdjacent(x0, w));
            c51 = Avx2.Add(c51, Avx2.MultiplyAddAdjacent(x1, w));
        }
        c00.Store(acc); c01.Store(acc + 8); c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40); c30.Store(acc + 48); c31.Store(acc + 56);
        c40.Store(acc + 64); c41.Store(acc + 72); c50.Store(acc + 80); c51.Store(acc + 88);
    }

    /// <summary>
    /// 128-bit form (the Raspberry Pi's): two rows at a time — eight accumulators and four column loads per
    /// pair — with pmaddwd on x86 and the exact even/odd int32 products elsewhere.
    /// </summary>
    private static void Vector128Kernel(int* a, int* x, int* offsets, int kPairs, int* acc)
    {
        for (int r = 0; r < MR; r += 2)
        {
            Vector128<int> p0 = default, p1 = default, p2 = default, p3 = default;
            Vector128<int> q0 = default, q1 = default, q2 = default, q3 = default;
            for (int kk = 0; kk < kPairs; kk++)
            {
                int* b = x + offsets[kk];
                var b0 = Vector128.Load(b);
                var b1 = Vector128.Load(b + 4);
                var b2 = Vector128.Load(b + 8);
                var b3 = Vector128.Load(b + 12);
                var w = Vector128.Create(a[kk * MR + r]);
                p0 += PairDot(b0, w); p1 += PairDot(b1, w); p2 += PairDot(b2, w); p3 += PairDot(b3, w);
                w = Vector128.Create(a[kk * MR + r + 1]);
                q0 += PairDot(b0, w); q1 += PairDot(b1, w); q2 += PairDot(b2, w); q3 += PairDot(b3, w);
            }
            int* row = acc + r * NR;
            p0.Store(row); p1.Store(row + 4); p2.Store(row + 8); p3.Store(row + 12);
            q0.Store(row + NR); q1.Store(row + NR + 4); q2.Store(row + NR + 8); q3.Store(row + NR + 12);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> PairDot(Vector128<int> x, Vector128<int> w) =>
        Sse2.IsSupported ? Sse2.MultiplyAddAdjacent(x.AsInt16(), w.AsInt16()) : Int8MicroKernels.PairDotPortable(x, w);
}
