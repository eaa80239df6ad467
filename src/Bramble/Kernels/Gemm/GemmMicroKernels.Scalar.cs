using System.Runtime.CompilerServices;
namespace Bramble.Kernels.Gemm;

// Scalar 4×4 micro-kernel: 16 accumulators in registers; runs anywhere, and is the fallback when no
// vector unit is usable (or the ISA cap says Scalar).
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_4x4__scalar: the portable definition the vector kernels implement.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel4x4(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
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
            b += 4;
        }
        c[0 * ldc + 0] = alpha * c00 + (beta == 0 ? 0 : beta * c[0 * ldc + 0]);
        c[0 * ldc + 1] = alpha * c01 + (beta == 0 ? 0 : beta * c[0 * ldc + 1]);
        c[0 * ldc + 2] = alpha * c02 + (beta == 0 ? 0 : beta * c[0 * ldc + 2]);
        c[0 * ldc + 3] = alpha * c03 + (beta == 0 ? 0 : beta * c[0 * ldc + 3]);
        c[1 * ldc + 0] = alpha * c10 + (beta == 0 ? 0 : beta * c[1 * ldc + 0]);
        c[1 * ldc + 1] = alpha * c11 + (beta == 0 ? 0 : beta * c[1 * ldc + 1]);
        c[1 * ldc + 2] = alpha * c12 + (beta == 0 ? 0 : beta * c[1 * ldc + 2]);
        c[1 * ldc + 3] = alpha * c13 + (beta == 0 ? 0 : beta * c[1 * ldc + 3]);
        c[2 * ldc + 0] = alpha * c20 + (beta == 0 ? 0 : beta * c[2 * ldc + 0]);
        c[2 * ldc + 1] = alpha * c21 + (beta == 0 ? 0 : beta * c[2 * ldc + 1]);
        c[2 * ldc + 2] = alpha * c22 + (beta == 0 ? 0 : beta * c[2 * ldc + 2]);
        c[2 * ldc + 3] = alpha * c23 + (beta == 0 ? 0 : beta * c[2 * ldc + 3]);
        c[3 * ldc + 0] = alpha * c30 + (beta == 0 ? 0 : beta * c[3 * ldc + 0]);
        c[3 * ldc + 1] = alpha * c31 + (beta == 0 ? 0 : beta * c[3 * ldc + 1]);
        c[3 * ldc + 2] = alpha * c32 + (beta == 0 ? 0 : beta * c[3 * ldc + 2]);
        c[3 * ldc + 3] = alpha * c33 + (beta == 0 ? 0 : beta * c[3 * ldc + 3]);
    }
}
