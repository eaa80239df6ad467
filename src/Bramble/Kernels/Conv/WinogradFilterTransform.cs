using System.Runtime.CompilerServices;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// The filter transform U = G g Gᵀ of Winograd F(4×4, 3×3) in single precision, fast enough to run on every
/// inference: the streamed kernel keeps only the 3×3 weights, laid out per block of output channels as
/// [block][C][9][kb] (zeros past K) so one vector holds a tap of neighbouring output channels and a block's
/// weights are contiguous, and writes one row of six positions at a time straight into the GEMM's packed
/// right-operand layout (panels of NR output channels), which a vector of output channels lands in whole.
/// </summary>
internal static unsafe class WinogradFilterTransform
{
    /// <summary>Reorders [K, C, 3, 3] weights into [⌈K/kb⌉][C][9][<paramref name="kb"/>] (zeros past K).</summary>
    public static void ToTapMajor(float* weights, float* dst, int k, int c, int kb)
    {
        int blocks = (k + kb - 1) / kb;
        new Span<float>(dst, blocks * c * 9 * kb).Clear();
        for (int oc = 0; oc < k; oc++)
            for (int ic = 0; ic < c; ic++)
            {
                float* f = weights + ((long)oc * c + ic) * 9;
                float* d = dst + (((long)(oc / kb) * c + ic) * 9 * kb) + oc % kb;
                for (int tap = 0; tap < 9; tap++) d[(long)tap * kb] = f[tap];
            }
    }

    /// <summary>
    /// Positions ξ = 6·<paramref name="row"/> + b (b = 0…5) of one block of output channels, input channels
    /// [pc, pc+kc), as six packed kc×kb right operands <paramref name="positionStep"/> floats apart, each
    /// kb/<paramref name="nr"/> panels of kc×nr. <paramref name="block"/> = the block's [C][9][kb] weights.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    public static void TransformRow<TV, TL>(float* block, int pc, int kc, int kb, int nr, int row, float* u, long positionStep)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        int n = TL.Count;
        long tap = kb;
        {
            for (int ic = pc; ic < pc + kc; ic++)
            {
                float* w = block + (long)ic * 9 * kb;
                float* depth = u + (long)(ic - pc) * nr;
                for (int j = 0; j < kb; j += n)
                {
                    float* g = w + j;
                    // Row `row` of G·g (three values, one per filter column), then times Gᵀ: six positions.
                    var r0 = GRow<TV, TL>(row, TL.Load(g), TL.Load(g + 3 * tap), TL.Load(g + 6 * tap));
                    var r1 = GRow<TV, TL>(row, TL.Load(g + tap), TL.Load(g + 4 * tap), TL.Load(g + 7 * tap));
                    var r2 = GRow<TV, TL>(row, TL.Load(g + 2 * tap), TL.Load(g + 5 * tap), TL.Load(g + 8 * tap));
                    float* dst = depth + (long)(j / nr) * kc * nr + j % nr;
                    TL.Store(GRow<TV, TL>(0, r0, r1, r2), dst);
                    TL.Store(GRow<TV, TL>(1, r0, r1, r2), dst + positionStep);
                    TL.Store(GRow<TV, TL>(2, r0, r1, r2), dst + 2 * positionStep);
                    TL.Store(GRow<TV, TL>(3, r0, r1, r2), dst + 3 * positionStep);
                    TL.Store(GRow<TV, TL>(4, r0, r1, r2), dst + 4 * positionStep);
                    TL.Store(r2, dst + 5 * positionStep);
                }
            }
        }
    }

    /// <summary>Row <paramref name="a"/> of G·(x0, x1, x2), G of F(4,3) with points 0, ±1, ±2, ∞ (Lavin &amp; Gray).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GRow<TV, TL>(int a, TV x0, TV x1, TV x2)
        where TV : struct
        where TL : struct, IWinogradLanes<TV> => a switch
    {
        0 => TL.Scale(x0, 1f / 4),
        1 => TL.Scale(TL.Add(TL.Add(x0, x2), x1), -1f / 6),
        2 => TL.Scale(TL.Sub(TL.Add(x0, x2), x1), -1f / 6),
        3 => TL.Fma(x1, 1f / 12, TL.Fma(x0, 1f / 24, TL.Scale(x2, 1f / 6))),
        4 => TL.Fma(x1, -1f / 12, TL.Fma(x0, 1f / 24, TL.Scale(x2, 1f / 6))),
        _ => x2,
    };
}
