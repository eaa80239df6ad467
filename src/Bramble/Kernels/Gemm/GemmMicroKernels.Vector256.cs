using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

// Register-tiled micro-kernel for AVX2+FMA (12 of 16 ymm hold accumulators).
// Per k: load 2 B vectors (16 columns), broadcast 6 A values, 12 fused multiply-adds.
// Packing pads A and B with zeros, so the kernel always computes a full 6×16 tile; the driver
// routes a ragged right edge through a scratch tile, and a ragged last row panel stores only its rows.
// Scalar equivalent: GemmMicroKernels.Scalar.
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_6x16__v256: C[6×16] = epilogue(alpha·(A panel · B panel) + beta·C) (epilogue null: none; else bias at row0/col0 + activation); packed A is kc×6, B is kc rows of 16 at stride ldb.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel6x16(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, Epilogue* epilogue, int row0, int col0, int rows)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
        nint step = ldb; // widened once: the loop then advances b with a single add
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = SimdMath.MultiplyAdd(a0, b0, c00);
            c01 = SimdMath.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = SimdMath.MultiplyAdd(a1, b0, c10);
            c11 = SimdMath.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = SimdMath.MultiplyAdd(a2, b0, c20);
            c21 = SimdMath.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = SimdMath.MultiplyAdd(a3, b0, c30);
            c31 = SimdMath.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = SimdMath.MultiplyAdd(a4, b0, c40);
            c41 = SimdMath.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = SimdMath.MultiplyAdd(a5, b0, c50);
            c51 = SimdMath.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += step;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        var cb0 = epilogue == null ? Vector256<float>.Zero : TileEpilogue.Col256(epilogue, col0);
        var cb1 = epilogue == null ? Vector256<float>.Zero : TileEpilogue.Col256(epilogue, col0 + 8);
        FinishRow256(c00, c01, va, beta, vb, epilogue, cb0, cb1, c, row0, col0);
        if (rows > 1) FinishRow256(c10, c11, va, beta, vb, epilogue, cb0, cb1, c + 1 * ldc, row0 + 1, col0);
        if (rows > 2) FinishRow256(c20, c21, va, beta, vb, epilogue, cb0, cb1, c + 2 * ldc, row0 + 2, col0);
        if (rows > 3) FinishRow256(c30, c31, va, beta, vb, epilogue, cb0, cb1, c + 3 * ldc, row0 + 3, col0);
        if (rows > 4) FinishRow256(c40, c41, va, beta, vb, epilogue, cb0, cb1, c + 4 * ldc, row0 + 4, col0);
        if (rows > 5) FinishRow256(c50, c51, va, beta, vb, epilogue, cb0, cb1, c + 5 * ldc, row0 + 5, col0);
    }

    /// <summary>
    /// One row of a tile: alpha, beta·C, the epilogue, the store (rows past the matrix's last are not finished: their
    /// C, bias and residual do not exist).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow256(Vector256<float> x0, Vector256<float> x1, Vector256<float> va, float beta, Vector256<float> vb,
        Epilogue* epilogue, Vector256<float> cb0, Vector256<float> cb1, float* c, int row, int col0)
    {
        x0 *= va;
        x1 *= va;
        if (beta != 0)
        {
            x0 = SimdMath.MultiplyAdd(Vector256.Load(c), vb, x0);
            x1 = SimdMath.MultiplyAdd(Vector256.Load(c + 8), vb, x1);
        }
        if (epilogue != null)
        {
            float rb = TileEpilogue.RowBias(epilogue, row);
            float* rr = TileEpilogue.ResidualRow(epilogue, row, col0);
            x0 = TileEpilogue.Apply(epilogue, x0, rb, cb0, rr);
            x1 = TileEpilogue.Apply(epilogue, x1, rb, cb1, rr + 8);
        }
        Vector256.Store(x0, c);
        Vector256.Store(x1, c + 8);
    }
}
