using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

// Register-tiled micro-kernel for AVX-512 (16 of 32 zmm hold accumulators).
// Per k: load 2 B vectors (32 columns), broadcast 8 A values, 16 fused multiply-adds.
// Packing pads A and B with zeros, so the kernel always computes a full 8×32 tile; the driver
// routes ragged edge tiles through a scratch tile. Scalar equivalent: GemmMicroKernels.Scalar.
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>f32_gemm_8x32__v512: C[8×32] = alpha·(A panel · B panel) + beta·C; packed A is kc×8, packed B kc×32.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = SimdMath.MultiplyAdd(a0, b0, c00);
            c01 = SimdMath.MultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = SimdMath.MultiplyAdd(a1, b0, c10);
            c11 = SimdMath.MultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = SimdMath.MultiplyAdd(a2, b0, c20);
            c21 = SimdMath.MultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = SimdMath.MultiplyAdd(a3, b0, c30);
            c31 = SimdMath.MultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = SimdMath.MultiplyAdd(a4, b0, c40);
            c41 = SimdMath.MultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = SimdMath.MultiplyAdd(a5, b0, c50);
            c51 = SimdMath.MultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = SimdMath.MultiplyAdd(a6, b0, c60);
            c61 = SimdMath.MultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = SimdMath.MultiplyAdd(a7, b0, c70);
            c71 = SimdMath.MultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c00 * va, c + 0 * ldc + 0);
            Vector512.Store(c01 * va, c + 0 * ldc + 16);
            Vector512.Store(c10 * va, c + 1 * ldc + 0);
            Vector512.Store(c11 * va, c + 1 * ldc + 16);
            Vector512.Store(c20 * va, c + 2 * ldc + 0);
            Vector512.Store(c21 * va, c + 2 * ldc + 16);
            Vector512.Store(c30 * va, c + 3 * ldc + 0);
            Vector512.Store(c31 * va, c + 3 * ldc + 16);
            Vector512.Store(c40 * va, c + 4 * ldc + 0);
            Vector512.Store(c41 * va, c + 4 * ldc + 16);
            Vector512.Store(c50 * va, c + 5 * ldc + 0);
            Vector512.Store(c51 * va, c + 5 * ldc + 16);
            Vector512.Store(c60 * va, c + 6 * ldc + 0);
            Vector512.Store(c61 * va, c + 6 * ldc + 16);
            Vector512.Store(c70 * va, c + 7 * ldc + 0);
            Vector512.Store(c71 * va, c + 7 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 0 * ldc + 0), vb, c00 * va), c + 0 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 0 * ldc + 16), vb, c01 * va), c + 0 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 1 * ldc + 0), vb, c10 * va), c + 1 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 1 * ldc + 16), vb, c11 * va), c + 1 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 2 * ldc + 0), vb, c20 * va), c + 2 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 2 * ldc + 16), vb, c21 * va), c + 2 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 3 * ldc + 0), vb, c30 * va), c + 3 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 3 * ldc + 16), vb, c31 * va), c + 3 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 4 * ldc + 0), vb, c40 * va), c + 4 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 4 * ldc + 16), vb, c41 * va), c + 4 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 5 * ldc + 0), vb, c50 * va), c + 5 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 5 * ldc + 16), vb, c51 * va), c + 5 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 6 * ldc + 0), vb, c60 * va), c + 6 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 6 * ldc + 16), vb, c61 * va), c + 6 * ldc + 16);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 7 * ldc + 0), vb, c70 * va), c + 7 * ldc + 0);
            Vector512.Store(SimdMath.MultiplyAdd(Vector512.Load(c + 7 * ldc + 16), vb, c71 * va), c + 7 * ldc + 16);
        }
    }
}
