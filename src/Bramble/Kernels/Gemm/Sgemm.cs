using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// Single-precision GEMM: C[M×N] = alpha·op(A)·op(B) + beta·C, then an optional fused
/// <see cref="Epilogue"/> (bias + activation). Row-major with leading dimensions; op(X) is X or Xᵀ.
/// beta = 0 overwrites C without reading it; beta = 1 accumulates. Either operand may be a
/// <see cref="PackedMatrix"/> (constant weights packed once). Work is split over the caller's worker pool.
/// </summary>
public static unsafe class Sgemm
{
    /// <summary>Both operands dense.</summary>
    public static void Multiply(int m, int n, int k, float alpha,
        float* a, int lda, bool transA, float* b, int ldb, bool transB,
        float beta, float* c, int ldc, in Epilogue epilogue, WorkerPool? pool, Isa maxIsa)
        => Multiply(GemmKernel.Select(maxIsa), m, n, k, alpha, a, lda, transA, b, ldb, transB, beta, c, ldc, epilogue, pool);

    /// <summary>A pre-packed (as left operand, M×K), B dense.</summary>
    public static void Multiply(PackedMatrix a, int n, float alpha, float* b, int ldb, bool transB,
        float beta, float* c, int ldc, in Epilogue epilogue, WorkerPool? pool)
    {
        if (!a.IsLeft) throw new ArgumentException("matrix was packed as the right operand", nameof(a));
        Check(a.Rows, n, a.Cols);
        var job = new GemmJob<PrepackedA, DenseB>
        {
            A = new PrepackedA(a), B = new DenseB(b, ldb, transB, n),
            C = c, Ldc = ldc, M = a.Rows, N = n, K = a.Cols, Alpha = alpha, Beta = beta, Epilogue = epilogue, Kernel = a.Kernel,
        };
        job.Run(pool);
    }

    /// <summary>A dense, B pre-packed (as right operand, K×N).</summary>
    public static void Multiply(int m, float alpha, float* a, int lda, bool transA, PackedMatrix b,
        float beta, float* c, int ldc, in Epilogue epilogue, WorkerPool? pool)
    {
        if (b.IsLeft) throw new ArgumentException("matrix was packed as the left operand", nameof(b));
        Check(m, b.Cols, b.Rows);
        var job = new GemmJob<DenseA, PrepackedB>
        {
            A = new DenseA(a, lda, transA, m), B = new PrepackedB(b),
            C = c, Ldc = ldc, M = m, N = b.Cols, K = b.Rows, Alpha = alpha, Beta = beta, Epilogue = epilogue, Kernel = b.Kernel,
        };
        job.Run(pool);
    }

    /// <summary>Both dense, with an explicit kernel (tests force variants the cap would not pick).</summary>
    internal static void Multiply(GemmKernel kernel, int m, int n, int k, float alpha,
        float* a, int lda, bool transA, float* b, int ldb, bool transB,
        float beta, float* c, int ldc, in Epilogue epilogue, WorkerPool? pool)
    {
        Check(m, n, k);
        var job = new GemmJob<DenseA, DenseB>
        {
            A = new DenseA(a, lda, transA, m), B = new DenseB(b, ldb, transB, n),
            C = c, Ldc = ldc, M = m, N = n, K = k, Alpha = alpha, Beta = beta, Epilogue = epilogue, Kernel = kernel,
        };
        job.Run(pool);
    }

    /// <summary>A pre-packed and B supplied by any panel source (convolution's implicit im2col).</summary>
    internal static void Multiply<TB>(PackedMatrix a, in TB b, int n, float* c, int ldc, float beta, in Epilogue epilogue, WorkerPool? pool)
        where TB : struct, IPanelSourceB
    {
        var job = new GemmJob<PrepackedA, TB>
        {
            A = new PrepackedA(a), B = b,
            C = c, Ldc = ldc, M = a.Rows, N = n, K = a.Cols, Alpha = 1, Beta = beta, Epilogue = epilogue, Kernel = a.Kernel,
        };
        job.Run(pool);
    }

    private static void Check(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ShapeException($"sgemm: negative dimension (M={m}, N={n}, K={k})");
    }
}
