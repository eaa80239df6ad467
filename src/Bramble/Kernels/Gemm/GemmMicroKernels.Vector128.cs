using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

// Register-tiled micro-kernel for NEON / SSE (12 accumulators; fits x86's 16 xmm and ARM's 32 q registers).
// Per k: load 2 B vectors (8 columns), broadcast 6 A values, 12 fused multiply-adds.
// Packing pads A and B with zeros, so the kernel always computes a full 6×8 tile; the driver
// routes ragged edge tiles through a scratch tile. Scalar equivalent: GemmMicroKernels.Scalar.
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_6x8__v128: C[6×8] = alpha·(A panel · B panel) + beta·C; packed A is kc×6, packed B kc×8.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel6x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c00 = Vector128<float>.Zero; var c01 = Vector128<float>.Zero;
        var c10 = Vector128<float>.Zero; var c11 = Vector128<float>.Zero;
        var c20 = Vector128<float>.Zero; var c21 = Vector128<float>.Zero;
        var c30 = Vector128<float>.Zero; var c31 = Vector128<float>.Zero;
        var c40 = Vector128<float>.Zero; var c41 = Vector128<float>.Zero;
        var c50 = Vector128<float>.Zero; var c51 = Vector128<float>.Zero;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = SimdMath.MultiplyAdd(a0, b0, c00);
            c01 = SimdMath.MultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = SimdMath.MultiplyAdd(a1, b0, c10);
            c11 = SimdMath.MultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = SimdMath.MultiplyAdd(a2, b0, c20);
            c21 = SimdMath.MultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = SimdMath.MultiplyAdd(a3, b0, c30);
            c31 = SimdMath.MultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = SimdMath.MultiplyAdd(a4, b0, c40);
            c41 = SimdMath.MultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = SimdMath.MultiplyAdd(a5, b0, c50);
            c51 = SimdMath.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        if (beta == 0)
        {
            Vector128.Store(c00 * va, c + 0 * ldc + 0);
            Vector128.Store(c01 * va, c + 0 * ldc + 4);
            Vector128.Store(c10 * va, c + 1 * ldc + 0);
            Vector128.Store(c11 * va, c + 1 * ldc + 4);
            Vector128.Store(c20 * va, c + 2 * ldc + 0);
            Vector128.Store(c21 * va, c + 2 * ldc + 4);
            Vector128.Store(c30 * va, c + 3 * ldc + 0);
            Vector128.Store(c31 * va, c + 3 * ldc + 4);
            Vector128.Store(c40 * va, c + 4 * ldc + 0);
            Vector128.Store(c41 * va, c + 4 * ldc + 4);
            Vector128.Store(c50 * va, c + 5 * ldc + 0);
            Vector128.Store(c51 * va, c + 5 * ldc + 4);
        }
        else
        {
            var vb = Vector128.Create(beta);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 0 * ldc + 0), vb, c00 * va), c + 0 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 0 * ldc + 4), vb, c01 * va), c + 0 * ldc + 4);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 1 * ldc + 0), vb, c10 * va), c + 1 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 1 * ldc + 4), vb, c11 * va), c + 1 * ldc + 4);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 2 * ldc + 0), vb, c20 * va), c + 2 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 2 * ldc + 4), vb, c21 * va), c + 2 * ldc + 4);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 3 * ldc + 0), vb, c30 * va), c + 3 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 3 * ldc + 4), vb, c31 * va), c + 3 * ldc + 4);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 4 * ldc + 0), vb, c40 * va), c + 4 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 4 * ldc + 4), vb, c41 * va), c + 4 * ldc + 4);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 5 * ldc + 0), vb, c50 * va), c + 5 * ldc + 0);
            Vector128.Store(SimdMath.MultiplyAdd(Vector128.Load(c + 5 * ldc + 4), vb, c51 * va), c + 5 * ldc + 4);
        }
    }
}
