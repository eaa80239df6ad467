using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Conv;

/// <summary>
/// The filter transform U = G g Gᵀ of Winograd F(4×4, 3×3) in single precision, SIMD over input channels,
/// fast enough to run on every inference: the streamed kernel keeps only the 3×3 weights (laid out
/// [K][9][C] so one vector holds a tap of neighbouring input channels) and transforms a block of output
/// channels at a time into its workspace.
/// </summary>
internal static unsafe class WinogradFilterTransform
{
    /// <summary>Reorders [K, C, 3, 3] weights into the [K][9][C] layout <see cref="Transform{TV, TL}"/> reads.</summary>
    public static void ToTapMajor(float* weights, float* dst, int k, int c)
    {
        for (int oc = 0; oc < k; oc++)
            for (int ic = 0; ic < c; ic++)
            {
                float* f = weights + ((long)oc * c + ic) * 9;
                float* d = dst + (long)oc * 9 * c + ic;
                for (int tap = 0; tap < 9; tap++) d[(long)tap * c] = f[tap];
            }
    }

    /// <summary>
    /// U_ξ[k − k0, ·] for output channels [k0, k1): <paramref name="u"/> holds 36 row-major matrices of
    /// <paramref name="c"/> columns, position ξ at ξ·<paramref name="positionStep"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform<TV, TL>(float* tapMajor, int c, int k0, int k1, float* u, long positionStep)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        int n = TL.Count;
        int vectorEnd = c - c % n;
        for (int k = k0; k < k1; k++)
        {
            float* w = tapMajor + (long)k * 9 * c;
            float* row = u + (long)(k - k0) * c;
            for (int ic = 0; ic < vectorEnd; ic += n) Filter<TV, TL>(w + ic, c, row + ic, positionStep);
            for (int ic = vectorEnd; ic < c; ic++) Filter<float, WinogradLanes1>(w + ic, c, row + ic, positionStep);
        }
    }

    /// <summary>One vector of filters: 9 taps <paramref name="tapStride"/> apart → 36 positions <paramref name="positionStep"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Filter<TV, TL>(float* w, long tapStride, float* dst, long positionStep)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        // G·g column by column (6×3), then each of its rows times Gᵀ (6 positions per row).
        Column<TV, TL>(TL.Load(w), TL.Load(w + 3 * tapStride), TL.Load(w + 6 * tapStride),
            out var a0, out var b0, out var c0, out var d0, out var e0, out var f0);
        Column<TV, TL>(TL.Load(w + tapStride), TL.Load(w + 4 * tapStride), TL.Load(w + 7 * tapStride),
            out var a1, out var b1, out var c1, out var d1, out var e1, out var f1);
        Column<TV, TL>(TL.Load(w + 2 * tapStride), TL.Load(w + 5 * tapStride), TL.Load(w + 8 * tapStride),
            out var a2, out var b2, out var c2, out var d2, out var e2, out var f2);
        Row<TV, TL>(a0, a1, a2, dst, positionStep);
        Row<TV, TL>(b0, b1, b2, dst + 6 * positionStep, positionStep);
        Row<TV, TL>(c0, c1, c2, dst + 12 * positionStep, positionStep);
        Row<TV, TL>(d0, d1, d2, dst + 18 * positionStep, positionStep);
        Row<TV, TL>(e0, e1, e2, dst + 24 * positionStep, positionStep);
        Row<TV, TL>(f0, f1, f2, dst + 30 * positionStep, positionStep);
    }

    /// <summary>G·(x0, x1, x2) for G of F(4,3) with points 0, ±1, ±2, ∞ (Lavin &amp; Gray).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<TV, TL>(TV x0, TV x1, TV x2, out TV y0, out TV y1, out TV y2, out TV y3, out TV y4, out TV y5)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        var even = TL.Add(x0, x2);
        var quarter = TL.Fma(x0, 1f / 24, TL.Scale(x2, 1f / 6));
        var odd = TL.Scale(x1, 1f / 12);
        y0 = TL.Scale(x0, 1f / 4);
        y1 = TL.Scale(TL.Add(even, x1), -1f / 6);
        y2 = TL.Scale(TL.Sub(even, x1), -1f / 6);
        y3 = TL.Add(quarter, odd);
        y4 = TL.Sub(quarter, odd);
        y5 = x2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TV, TL>(TV x0, TV x1, TV x2, float* dst, long step)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        Column<TV, TL>(x0, x1, x2, out var y0, out var y1, out var y2, out var y3, out var y4, out var y5);
        TL.Store(y0, dst);
        TL.Store(y1, dst + step);
        TL.Store(y2, dst + 2 * step);
        TL.Store(y3, dst + 3 * step);
        TL.Store(y4, dst + 4 * step);
        TL.Store(y5, dst + 5 * step);
    }
}
