using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// A tile with a single row of C, as in a fully connected layer at batch 1. The micro-kernel would run its whole
/// MR×NR tile on A's zero padding, six times the multiply-adds for one row, and on such a layer that work competes
/// with streaming the weights from memory, which is all a matrix-vector product needs. Here the row is
/// a plain matrix-vector product over the packed B panel: one broadcast of A per k, one multiply-add per four
/// columns, two sets of partial sums so consecutive k do not wait on each other.
/// </summary>
internal static unsafe class GemmEdgeRows
{
    /// <summary>Whether a one-row tile of <paramref name="kernel"/> goes here (a panel width of whole 8-column chunks, SIMD present).</summary>
    public static bool Handles(GemmKernel kernel) => kernel.Isa != Isa.Scalar && kernel.NR % 8 == 0 && Vector128.IsHardwareAccelerated;

    /// <summary>
    /// c[j] = alpha · Σ_k a[k·mr] · b[k·ldb + j] + beta · c[j] for j &lt; <paramref name="nr"/>
    /// (<paramref name="a"/> row 0 of a packed kc×mr panel).
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Run(int kc, float* a, int mr, float* b, int ldb, int nr, float* c, float alpha, float beta)
    {
        nint step = ldb;
        for (int j = 0; j < nr; j += 8)
        {
            Vector128<float> even0 = default, even1 = default, odd0 = default, odd1 = default;
            float* ak = a, bk = b + j;
            int k = 0;
            for (; k + 2 <= kc; k += 2)
            {
                var x0 = Vector128.Create(ak[0]);
                even0 = SimdMath.MultiplyAdd(x0, Vector128.Load(bk), even0);
                even1 = SimdMath.MultiplyAdd(x0, Vector128.Load(bk + 4), even1);
                var x1 = Vector128.Create(ak[mr]);
                odd0 = SimdMath.MultiplyAdd(x1, Vector128.Load(bk + step), odd0);
                odd1 = SimdMath.MultiplyAdd(x1, Vector128.Load(bk + step + 4), odd1);
                ak += 2 * mr;
                bk += 2 * step;
            }
            if (k < kc)
            {
                var x0 = Vector128.Create(ak[0]);
                even0 = SimdMath.MultiplyAdd(x0, Vector128.Load(bk), even0);
                even1 = SimdMath.MultiplyAdd(x0, Vector128.Load(bk + 4), even1);
            }
            var va = Vector128.Create(alpha);
            var y0 = (even0 + odd0) * va;
            var y1 = (even1 + odd1) * va;
            if (beta != 0)
            {
                var vb = Vector128.Create(beta);
                y0 = SimdMath.MultiplyAdd(Vector128.Load(c + j), vb, y0);
                y1 = SimdMath.MultiplyAdd(Vector128.Load(c + j + 4), vb, y1);
            }
            Vector128.Store(y0, c + j);
            Vector128.Store(y1, c + j + 4);
        }
    }
}
