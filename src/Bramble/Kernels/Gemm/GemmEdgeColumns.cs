using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// The last few columns of C when N leaves a ragged edge (49 = 3·16 + 1 on a 7×7 image, 196 = 12·16 + 4 on 14×14).
/// The micro-kernel would compute a whole MR×NR tile for them: on a 7×7 layer a quarter of all its work, for one
/// column in sixteen. Here each column is a matrix-vector product instead, the MR rows of the packed A panel in
/// vector lanes times a broadcast B element: two 128-bit multiply-adds per k, four partial sums so the adds do not
/// wait on each other, about a sixth of a 6×16 tile's time per column.
/// </summary>
internal static unsafe class GemmEdgeColumns
{
    /// <summary>Most edge columns worth it: a column costs about a sixth of a full tile, so past four the tile wins.</summary>
    public const int MaxColumns = 4;

    /// <summary>Whether <paramref name="cols"/> edge columns of <paramref name="kernel"/>'s tiles go here (A panels of 6 or 8 rows, SIMD present).</summary>
    public static bool Handles(GemmKernel kernel, int cols) =>
        cols <= MaxColumns && kernel.Isa != Isa.Scalar && kernel.MR is 6 or 8 && Vector128.IsHardwareAccelerated;

    /// <summary>
    /// tile[r·ldt + j] = alpha · Σ_k a[k·mr + r] · b[k·ldb + j] for r &lt; mr, j &lt; <paramref name="cols"/>
    /// (<paramref name="a"/> a packed kc×mr panel, <paramref name="mr"/> 6 or 8).
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Run(int kc, float* a, int mr, float* b, int ldb, int cols, float* tile, int ldt, float alpha)
    {
        for (int j = 0; j < cols; j++)
        {
            if (mr == 8) Column(kc, a, 8, b + j, ldb, tile + j, ldt, alpha);
            else Column(kc, a, 6, b + j, ldb, tile + j, ldt, alpha);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // mr is a constant at each call: the loads below fold
    private static void Column(int kc, float* a, int mr, float* b, nint ldb, float* tile, int ldt, float alpha)
    {
        Vector128<float> lo0 = default, lo1 = default, lo2 = default, lo3 = default;
        Vector128<float> hi0 = default, hi1 = default, hi2 = default, hi3 = default;
        int k = 0;
        for (; k + 4 <= kc; k += 4)
        {
            var b0 = Vector128.Create(b[0]);
            lo0 = SimdMath.MultiplyAdd(Vector128.Load(a), b0, lo0);
            hi0 = SimdMath.MultiplyAdd(High(a, mr), b0, hi0);
            var b1 = Vector128.Create(b[ldb]);
            lo1 = SimdMath.MultiplyAdd(Vector128.Load(a + mr), b1, lo1);
            hi1 = SimdMath.MultiplyAdd(High(a + mr, mr), b1, hi1);
            var b2 = Vector128.Create(b[2 * ldb]);
            lo2 = SimdMath.MultiplyAdd(Vector128.Load(a + 2 * mr), b2, lo2);
            hi2 = SimdMath.MultiplyAdd(High(a + 2 * mr, mr), b2, hi2);
            var b3 = Vector128.Create(b[3 * ldb]);
            lo3 = SimdMath.MultiplyAdd(Vector128.Load(a + 3 * mr), b3, lo3);
            hi3 = SimdMath.MultiplyAdd(High(a + 3 * mr, mr), b3, hi3);
            a += 4 * mr;
            b += 4 * ldb;
        }
        for (; k < kc; k++)
        {
            var bk = Vector128.Create(b[0]);
            lo0 = SimdMath.MultiplyAdd(Vector128.Load(a), bk, lo0);
            hi0 = SimdMath.MultiplyAdd(High(a, mr), bk, hi0);
            a += mr;
            b += ldb;
        }
        var va = Vector128.Create(alpha);
        var lo = ((lo0 + lo1) + (lo2 + lo3)) * va;
        var hi = ((hi0 + hi1) + (hi2 + hi3)) * va;
        tile[0] = lo.GetElement(0);
        tile[ldt] = lo.GetElement(1);
        tile[2 * ldt] = lo.GetElement(2);
        tile[3 * ldt] = lo.GetElement(3);
        tile[4 * ldt] = hi.GetElement(0);
        tile[5 * ldt] = hi.GetElement(1);
        if (mr == 8)
        {
            tile[6 * ldt] = hi.GetElement(2);
            tile[7 * ldt] = hi.GetElement(3);
        }
    }

    /// <summary>Rows 4 … mr−1 of one k of the panel: all four for mr = 8, two (and zeros) for mr = 6 — never reading past the panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> High(float* a, int mr) =>
        mr == 8 ? Vector128.Load(a + 4) : Vector128.CreateScalar(*(double*)(a + 4)).AsSingle();
}
