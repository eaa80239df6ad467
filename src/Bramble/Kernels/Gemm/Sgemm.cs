using System.Numerics;
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
        if (!transB && ReadsBInPlace(a.Rows, a.Cols, ldb))
        {
            var inPlace = new GemmJob<PrepackedA, InPlaceB>
            {
                A = new PrepackedA(a), B = new InPlaceB(b, ldb),
                C = c, Ldc = ldc, M = a.Rows, N = n, K = a.Cols, Alpha = alpha, Beta = beta, Epilogue = epilogue, Kernel = a.Kernel,
            };
            inPlace.Run(pool);
            return;
        }
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

    /// <summary>
    /// Whether B (<paramref name="k"/> rows at stride <paramref name="ldb"/>) is read in place rather than packed
    /// (<see cref="InPlaceB"/>) for <paramref name="m"/> rows of A. Each packed element of B feeds only m multiply-adds,
    /// so for small m the copy costs about as much as the GEMM (1×1 convolutions to 16–64 channels: 10–16 % faster in
    /// place); for larger m the packed panel's reuse wins (96 rows: 1.3×, 160 rows: 1.7× slower in place). A tile's kc
    /// rows must also spread over the L1 sets: with a row stride of a multiple of 4 KiB (a 64² or 128² plane) they all
    /// fall in one 8-way set and evict each other (BlazeFace's 24→24 at 128²: 7–12 % slower in place).
    /// </summary>
    internal static bool ReadsBInPlace(int m, int k, long ldb)
    {
        if (m > InPlaceMaxRows) return false;
        // Rows k and k + p share an L1 set when p·stride is a multiple of the 4 KiB set span (64 sets × 64 bytes).
        long strideBytes = ldb * sizeof(float);
        long period = L1SetSpan / (long)BigInteger.GreatestCommonDivisor(strideBytes, L1SetSpan);
        long rowsPerSet = (Math.Min(k, GemmKernel.KC) + period - 1) / period;
        return rowsPerSet <= L1Ways;
    }

    /// <summary>Most rows of A for which B is read in place (<see cref="ReadsBInPlace"/>).</summary>
    internal const int InPlaceMaxRows = 64;

    // A typical L1 data cache (32–64 KiB, 8–16 ways, 64-byte lines): addresses 4 KiB apart share a set.
    private const long L1SetSpan = 4096;
    private const int L1Ways = 8;

    private static void Check(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ShapeException($"sgemm: negative dimension (M={m}, N={n}, K={k})");
    }
}
