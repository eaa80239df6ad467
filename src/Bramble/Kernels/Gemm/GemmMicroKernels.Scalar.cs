using System.Runtime.CompilerServices;
namespace Bramble.Kernels.Gemm;

// Scalar 4×4 micro-kernel: 16 accumulators in registers; runs anywhere, and is the fallback when no
// vector unit is usable (or the ISA cap says Scalar).
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_4x4__scalar: the portable definition the vector kernels implement.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel4x4(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, Epilogue* epilogue, int row0, int col0)
    {
        float c00 = 0; float c01 = 0; float c02 = 0; float c03 = 0;
        float c10 = 0; float c11 = 0; float c12 = 0; float c13 = 0;
        float c20 = 0; float c21 = 0; float c22 = 0; float c23 = 0;
        float c30 = 0; float c31 = 0; float c32 = 0; float c33 = 0;
        for (int k = 0; k < kc; k++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += ldb;
        }
        c00 = alpha * c00 + (beta == 0 ? 0 : beta * c[0 * ldc + 0]);
        c01 = alpha * c01 + (beta == 0 ? 0 : beta * c[0 * ldc + 1]);
        c02 = alpha * c02 + (beta == 0 ? 0 : beta * c[0 * ldc + 2]);
        c03 = alpha * c03 + (beta == 0 ? 0 : beta * c[0 * ldc + 3]);
        c10 = alpha * c10 + (beta == 0 ? 0 : beta * c[1 * ldc + 0]);
        c11 = alpha * c11 + (beta == 0 ? 0 : beta * c[1 * ldc + 1]);
        c12 = alpha * c12 + (beta == 0 ? 0 : beta * c[1 * ldc + 2]);
        c13 = alpha * c13 + (beta == 0 ? 0 : beta * c[1 * ldc + 3]);
        c20 = alpha * c20 + (beta == 0 ? 0 : beta * c[2 * ldc + 0]);
        c21 = alpha * c21 + (beta == 0 ? 0 : beta * c[2 * ldc + 1]);
        c22 = alpha * c22 + (beta == 0 ? 0 : beta * c[2 * ldc + 2]);
        c23 = alpha * c23 + (beta == 0 ? 0 : beta * c[2 * ldc + 3]);
        c30 = alpha * c30 + (beta == 0 ? 0 : beta * c[3 * ldc + 0]);
        c31 = alpha * c31 + (beta == 0 ? 0 : beta * c[3 * ldc + 1]);
        c32 = alpha * c32 + (beta == 0 ? 0 : beta * c[3 * ldc + 2]);
        c33 = alpha * c33 + (beta == 0 ? 0 : beta * c[3 * ldc + 3]);
        if (epilogue != null)
        {
            float cb0 = TileEpilogue.Col(epilogue, col0), cb1 = TileEpilogue.Col(epilogue, col0 + 1), cb2 = TileEpilogue.Col(epilogue, col0 + 2), cb3 = TileEpilogue.Col(epilogue, col0 + 3);
            float rb0 = TileEpilogue.RowBias(epilogue, row0 + 0); float* rr0 = TileEpilogue.ResidualRow(epilogue, row0 + 0, col0);
            c00 = TileEpilogue.Apply(epilogue, c00, rb0, cb0, rr0 + 0);
            c01 = TileEpilogue.Apply(epilogue, c01, rb0, cb1, rr0 + 1);
            c02 = TileEpilogue.Apply(epilogue, c02, rb0, cb2, rr0 + 2);
            c03 = TileEpilogue.Apply(epilogue, c03, rb0, cb3, rr0 + 3);
            float rb1 = TileEpilogue.RowBias(epilogue, row0 + 1); float* rr1 = TileEpilogue.ResidualRow(epilogue, row0 + 1, col0);
            c10 = TileEpilogue.Apply(epilogue, c10, rb1, cb0, rr1 + 0);
            c11 = TileEpilogue.Apply(epilogue, c11, rb1, cb1, rr1 + 1);
            c12 = TileEpilogue.Apply(epilogue, c12, rb1, cb2, rr1 + 2);
            c13 = TileEpilogue.Apply(epilogue, c13, rb1, cb3, rr1 + 3);
            float rb2 = TileEpilogue.RowBias(epilogue, row0 + 2); float* rr2 = TileEpilogue.ResidualRow(epilogue, row0 + 2, col0);
            c20 = TileEpilogue.Apply(epilogue, c20, rb2, cb0, rr2 + 0);
            c21 = TileEpilogue.Apply(epilogue, c21, rb2, cb1, rr2 + 1);
            c22 = TileEpilogue.Apply(epilogue, c22, rb2, cb2, rr2 + 2);
            c23 = TileEpilogue.Apply(epilogue, c23, rb2, cb3, rr2 + 3);
            float rb3 = TileEpilogue.RowBias(epilogue, row0 + 3); float* rr3 = TileEpilogue.ResidualRow(epilogue, row0 + 3, col0);
            c30 = TileEpilogue.Apply(epilogue, c30, rb3, cb0, rr3 + 0);
            c31 = TileEpilogue.Apply(epilogue, c31, rb3, cb1, rr3 + 1);
            c32 = TileEpilogue.Apply(epilogue, c32, rb3, cb2, rr3 + 2);
            c33 = TileEpilogue.Apply(epilogue, c33, rb3, cb3, rr3 + 3);
        }
        c[0 * ldc + 0] = c00; c[0 * ldc + 1] = c01; c[0 * ldc + 2] = c02; c[0 * ldc + 3] = c03;
        c[1 * ldc + 0] = c10; c[1 * ldc + 1] = c11; c[1 * ldc + 2] = c12; c[1 * ldc + 3] = c13;
        c[2 * ldc + 0] = c20; c[2 * ldc + 1] = c21; c[2 * ldc + 2] = c22; c[2 * ldc + 3] = c23;
        c[3 * ldc + 0] = c30; c[3 * ldc + 1] = c31; c[3 * ldc + 2] = c32; c[3 * ldc + 3] = c33;
    }
}
