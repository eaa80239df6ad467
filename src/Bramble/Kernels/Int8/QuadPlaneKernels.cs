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
        if (isa >= Isa.Vector256 && Avx2.IsSupported) PlaneMicroKernels<QuadDot>.Avx2Kernel(a, x, offsets, kQuads, acc);
        else if (isa >= Isa.Vector128 && Ssse3.IsSupported) PlaneMicroKernels<QuadDot>.Vector128Kernel(a, x, offsets, kQuads, acc);
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
}
