using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

// Register-tiled micro-kernel for AVX2+FMA (12 of 16 ymm hold accumulators).
// Per k: load 2 B vectors (16 columns), broadcast 6 A values, 12 fused multiply-adds.
// Packing pads A and B with zeros, so the kernel always computes a full 6×16 tile; the driver
// routes ragged edge tiles through a scratch tile. Scalar equivalent: GemmMicroKernels.Scalar.
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_6x16__v256: C[6×16] = epilogue(alpha·(A panel · B panel) + beta·C) (epilogue null: none; else bias at row0/col0 + activation); packed A is kc×6, B is kc rows of 16 at stride ldb.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel6x16(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, Epilogue* epilogue, int row0, int col0)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
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
            b += ldb;
        }
        var va = Vector256.Create(alpha);
        c00 *= va; c01 *= va;
        c10 *= va; c11 *= va;
        c20 *= va; c21 *= va;
        c30 *= va; c31 *= va;
        c40 *= va; c41 *= va;
        c50 *= va; c51 *= va;
        if (beta != 0)
        {
            var vb = Vector256.Create(beta);
            c00 = SimdMath.MultiplyAdd(Vector256.Load(c + 0 * ldc + 0), vb, c00);
            c01 = SimdMath.MultiplyAdd(Vector256.Load(c + 0 * ldc + 8), vb, c01);
            c10 = SimdMath.MultiplyAdd(Vector256.Load(c + 1 * ldc + 0), vb, c10);
            c11 = SimdMath.MultiplyAdd(Vector256.Load(c + 1 * ldc + 8), vb, c11);
            c20 = SimdMath.MultiplyAdd(Vector256.Load(c + 2 * ldc + 0), vb, c20);
            c21 = SimdMath.MultiplyAdd(Vector256.Load(c + 2 * ldc + 8), vb, c21);
            c30 = SimdMath.MultiplyAdd(Vector256.Load(c + 3 * ldc + 0), vb, c30);
            c31 = SimdMath.MultiplyAdd(Vector256.Load(c + 3 * ldc + 8), vb, c31);
            c40 = SimdMath.MultiplyAdd(Vector256.Load(c + 4 * ldc + 0), vb, c40);
            c41 = SimdMath.MultiplyAdd(Vector256.Load(c + 4 * ldc + 8), vb, c41);
            c50 = SimdMath.MultiplyAdd(Vector256.Load(c + 5 * ldc + 0), vb, c50);
            c51 = SimdMath.MultiplyAdd(Vector256.Load(c + 5 * ldc + 8), vb, c51);
        }
        if (epilogue != null)
        {
            var cb0 = TileEpilogue.Col256(epilogue, col0); var cb1 = TileEpilogue.Col256(epilogue, col0 + 8);
            float rb0 = TileEpilogue.RowBias(epilogue, row0 + 0); float* rr0 = TileEpilogue.ResidualRow(epilogue, row0 + 0, col0);
            c00 = TileEpilogue.Apply(epilogue, c00, rb0, cb0, rr0 + 0); c01 = TileEpilogue.Apply(epilogue, c01, rb0, cb1, rr0 + 8);
            float rb1 = TileEpilogue.RowBias(epilogue, row0 + 1); float* rr1 = TileEpilogue.ResidualRow(epilogue, row0 + 1, col0);
            c10 = TileEpilogue.Apply(epilogue, c10, rb1, cb0, rr1 + 0); c11 = TileEpilogue.Apply(epilogue, c11, rb1, cb1, rr1 + 8);
            float rb2 = TileEpilogue.RowBias(epilogue, row0 + 2); float* rr2 = TileEpilogue.ResidualRow(epilogue, row0 + 2, col0);
            c20 = TileEpilogue.Apply(epilogue, c20, rb2, cb0, rr2 + 0); c21 = TileEpilogue.Apply(epilogue, c21, rb2, cb1, rr2 + 8);
            float rb3 = TileEpilogue.RowBias(epilogue, row0 + 3); float* rr3 = TileEpilogue.ResidualRow(epilogue, row0 + 3, col0);
            c30 = TileEpilogue.Apply(epilogue, c30, rb3, cb0, rr3 + 0); c31 = TileEpilogue.Apply(epilogue, c31, rb3, cb1, rr3 + 8);
            float rb4 = TileEpilogue.RowBias(epilogue, row0 + 4); float* rr4 = TileEpilogue.ResidualRow(epilogue, row0 + 4, col0);
            c40 = TileEpilogue.Apply(epilogue, c40, rb4, cb0, rr4 + 0); c41 = TileEpilogue.Apply(epilogue, c41, rb4, cb1, rr4 + 8);
            float rb5 = TileEpilogue.RowBias(epilogue, row0 + 5); float* rr5 = TileEpilogue.ResidualRow(epilogue, row0 + 5, col0);
            c50 = TileEpilogue.Apply(epilogue, c50, rb5, cb0, rr5 + 0); c51 = TileEpilogue.Apply(epilogue, c51, rb5, cb1, rr5 + 8);
        }
        Vector256.Store(c00, c + 0 * ldc + 0); Vector256.Store(c01, c + 0 * ldc + 8);
        Vector256.Store(c10, c + 1 * ldc + 0); Vector256.Store(c11, c + 1 * ldc + 8);
        Vector256.Store(c20, c + 2 * ldc + 0); Vector256.Store(c21, c + 2 * ldc + 8);
        Vector256.Store(c30, c + 3 * ldc + 0); Vector256.Store(c31, c + 3 * ldc + 8);
        Vector256.Store(c40, c + 4 * ldc + 0); Vector256.Store(c41, c + 4 * ldc + 8);
        Vector256.Store(c50, c + 5 * ldc + 0); Vector256.Store(c51, c + 5 * ldc + 8);
    }
}
