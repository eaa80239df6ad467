using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// Copies blocks of A and B into the layouts the micro-kernels stream through: A as panels of MR rows
/// (kc×MR, k-major), B as panels of NR columns (kc×NR, k-major). Missing rows/columns are zero-filled so
/// kernels always compute full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0+mc) × depth [k0, k0+kc) of A (element (i,k) = trans ? a[k·lda+i] : a[i·lda+k]).</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void PackA(float* dst, float* a, long lda, bool trans, int m, int i0, int mc, int k0, int kc, int mr)
    {
        for (int p = 0; p < mc; p += mr)
        {
            int rows = Math.Min(mr, mc - p);
            int i = i0 + p;
            if (rows > m - i) rows = Math.Max(0, m - i);
            if (!trans)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (i + r) * lda + k0;
                    float* d = dst + r;
                    for (int k = 0; k < kc; k++) d[k * mr] = src[k];
                }
                for (int r = rows; r < mr; r++)
                    for (int k = 0; k < kc; k++) dst[k * mr + r] = 0;
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    float* src = a + (k0 + k) * lda + i;
                    float* d = dst + k * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0;
                }
            }
            dst += kc * mr;
        }
    }

    /// <summary>Packs depth [k0, k0+kc) × columns [j0, j0+nc) of B (element (k,j) = trans ? b[j·ldb+k] : b[k·ldb+j]).</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void PackB(float* dst, float* b, long ldb, bool trans, int n, int k0, int kc, int j0, int nc, int nr)
    {
        for (int p = 0; p < nc; p += nr)
        {
            int j = j0 + p;
            int cols = Math.Min(nr, Math.Min(nc - p, n - j));
            if (cols < 0) cols = 0;
            if (!trans)
            {
                float* src = b + k0 * ldb + j;
                if (cols == nr && nr % 8 == 0 && Vector256.IsHardwareAccelerated)
                {
                    for (int k = 0; k < kc; k++, src += ldb)
                        for (int c = 0; c < nr; c += 8) Vector256.Store(Vector256.Load(src + c), dst + k * nr + c);
                }
                else if (cols == nr && nr % 4 == 0 && Vector128.IsHardwareAccelerated)
                {
                    for (int k = 0; k < kc; k++, src += ldb)
                        for (int c = 0; c < nr; c += 4) Vector128.Store(Vector128.Load(src + c), dst + k * nr + c);
                }
                else
                {
                    for (int k = 0; k < kc; k++, src += ldb)
                    {
                        float* d = dst + k * nr;
                        int c = 0;
                        for (; c < cols; c++) d[c] = src[c];
                        for (; c < nr; c++) d[c] = 0;
                    }
                }
            }
            else
            {
                for (int c = 0; c < cols; c++)
                {
                    float* src = b + (j + c) * ldb + k0;
                    for (int k = 0; k < kc; k++) dst[k * nr + c] = src[k];
                }
                for (int c = cols; c < nr; c++)
                    for (int k = 0; k < kc; k++) dst[k * nr + c] = 0;
            }
            dst += kc * nr;
        }
    }
}
