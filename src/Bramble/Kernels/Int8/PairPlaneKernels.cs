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
        if (isa >= Isa.Vector256 && Avx2.IsSupported) PlaneMicroKernels<PairDot>.Avx2Kernel(a, x, offsets, kPairs, acc);
        else if (isa >= Isa.Vector128) PlaneMicroKernels<PairDot>.Vector128Kernel(a, x, offsets, kPairs, acc);
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
}
