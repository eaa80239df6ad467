using System.Runtime.CompilerServices;
namespace Bramble.Kernels.Gemm;

// Scalar 4×4 micro-kernel: 16 accumulators in registers; runs anywhere, and is the fallback when no
// vector unit is usable (or the ISA cap says Scalar).
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_4x4__scalar: the portable definition the vector kernels implement.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel4x4(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, Epilogue* epilogue, int row0, int col0, int rows)
    {
        float c00 = 0; float c01 = 0; float c02 = 0; float c03 = 0;
        float c10 = 0; float c11 = 0; float c12 = 0; float c13 = 0;
        float c20 = 0; float c21 = 0; float c22 = 0; float c23 = 0;
        float c30 = 0; float c31 = 0; float c32 = 0; float c33 = 0;
        nint step = ldb; // widened once: the loop then advances b with a single add
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
            b += step;
        }
        FinishRow(c00, c01, c02, c03, alpha, beta, epilogue, c, row0, col0);
        if (rows > 1) FinishRow(c10, c11, c12, c13, alpha, beta, epilogue, c + 1 * ldc, row0 + 1, col0);
        if (rows > 2) FinishRow(c20, c21, c22, c23, alpha, beta, epilogue, c + 2 * ldc, row0 + 2, col0);
        if (rows > 3) FinishRow(c30, c31, c32, c33, alpha, beta, epilogue, c + 3 * ldc, row0 + 3, col0);
    }

    /// <summary>One row of a 4×4 tile: alpha, beta·C, the epilogue, the store (rows past the matrix's last are skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow(float x0, float x1, float x2, float x3, float alpha, float beta, Epilogue* epilogue, float* c, int row, int col0)
    {
        x0 = alpha * x0 + (beta == 0 ? 0 : beta * c[0]);
        x1 = alpha * x1 + (beta == 0 ? 0 : beta * c[1]);
        x2 = alpha * x2 + (beta == 0 ? 0 : beta * c[2]);
        x3 = alpha * x3 + (beta == 0 ? 0 : beta * c[3]);
        if (epilogue != null)
        {
            float rb = TileEpilogue.RowBias(epilogue, row);
            float* rr = TileEpilogue.ResidualRow(epilogue, row, col0);
            x0 = TileEpilogue.Apply(epilogue, x0, rb, TileEpilogue.Col(epilogue, col0), rr + 0);
            x1 = TileEpilogue.Apply(epilogue, x1, rb, TileEpilogue.Col(epilogue, col0 + 1), rr + 1);
            x2 = TileEpilogue.Apply(epilogue, x2, rb, TileEpilogue.Col(epilogue, col0 + 2), rr + 2);
            x3 = TileEpilogue.Apply(epilogue, x3, rb, TileEpilogue.Col(epilogue, col0 + 3), rr + 3);
        }
        c[0] = x0; c[1] = x1; c[2] = x2; c[3] = x3;
    }
}
