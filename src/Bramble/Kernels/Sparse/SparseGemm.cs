using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Sparse;

/// <summary>
/// Y[M×N] = W[M×K] · X[K×N] (+ bias per row) with W sparse (CSR) and X dense: a 1×1 convolution in
/// NCHW, where N is the number of spatial positions. The layout of Elsen et al. 2020 ("Fast Sparse
/// ConvNets"): SIMD runs over N, so every non-zero weight is broadcast once and multiplied into a strip
/// of up to four vectors of positions held in registers, and no zero is ever touched. Strips are the outer
/// loop so the K-row slice of X a strip reads stays in cache while every row uses it, and the next strip's
/// slice is prefetched while this one runs (at 56² the slices come from L3: waiting on them cost ~⅓).
/// Threads split the rows. Written once over the vector width (<see cref="ISimdF{TV}"/>).
/// </summary>
public static unsafe class SparseGemm
{
    /// <summary>Runs the product; <paramref name="bias"/> may be null. X and Y are dense row-major with N columns.</summary>
    public static void Multiply(CsrMatrix w, float* x, float* bias, float* y, int n, Isa isa, WorkerPool? pool)
    {
        var body = new Body
        {
            Values = w.Values, Columns = w.Columns, RowStart = w.RowStart, K = w.ColumnCount,
            X = x, Bias = bias, Y = y, N = n, Isa = CpuFeatures.Effective(isa),
            RowsPerPart = 0, Rows = w.Rows,
        };
        int parts = pool == null || pool.ThreadCount <= 1 ? 1 : Math.Min(w.Rows, pool.ThreadCount * 4);
        if (parts <= 1)
        {
            body.RowsPerPart = w.Rows;
            body.Invoke(0);
            return;
        }
        body.RowsPerPart = (w.Rows + parts - 1) / parts;
        pool!.For((w.Rows + body.RowsPerPart - 1) / body.RowsPerPart, ref body);
    }

    /// <summary>Vectors per strip as a type, so each strip width compiles to its own register-only loop.</summary>
    private interface IVectors { static abstract int Count { get; } }
    private struct One : IVectors { public static int Count => 1; }
    private struct Two : IVectors { public static int Count => 2; }
    private struct Three : IVectors { public static int Count => 3; }
    private struct Four : IVectors { public static int Count => 4; }

    private struct Body : IParallelBody
    {
        public float[] Values;
        public int[] Columns;
        public int[] RowStart;
        public float* X, Bias, Y;
        public int N, K, Rows, RowsPerPart;
        public Isa Isa;

        public void Invoke(int index)
        {
            int r0 = index * RowsPerPart, r1 = Math.Min(Rows, r0 + RowsPerPart);
            if (r0 >= r1) return;
            fixed (float* values = Values)
            fixed (int* columns = Columns)
            fixed (int* rowStart = RowStart)
            {
                var m = new Matrix { Values = values, Columns = columns, RowStart = rowStart };
                if (Isa >= Isa.Vector256 && F256.Supported) Strips<Vector256<float>, F256>(m, r0, r1);
                else if (Isa >= Isa.Vector128 && F128.Supported) Strips<Vector128<float>, F128>(m, r0, r1);
                else Scalar(m, r0, r1);
            }
        }

        /// <summary>
        /// Four-vector strips across N, then one strip of just enough vectors for the rest, shifted back to end
        /// at N (positions it shares with the previous strip get the same values again): no scalar or masked
        /// tail, which at 7×7 or 14×14 used to take most of the time. Only N below one vector runs scalar.
        /// </summary>
        private void Strips<TV, TF>(in Matrix m, int r0, int r1) where TV : struct where TF : struct, ISimdF<TV>
        {
            int n = N, c = TF.Count, full = 4 * c, s = 0;
            if (n < c)
            {
                Scalar(m, r0, r1);
                return;
            }
            for (; s + full <= n; s += full)
                Strip<TV, TF, Four>(m, r0, r1, s, s + full + full <= n ? s + full : -1);
            if (s == 0)
            {
                // N under four vectors: as many whole vectors as fit, then the remainder below.
                StripOf<TV, TF>(m, r0, r1, n / c, 0);
                s = n / c * c;
            }
            if (s == n) return;
            int vectors = (n - s + c - 1) / c;
            StripOf<TV, TF>(m, r0, r1, vectors, n - vectors * c);
        }

        private void StripOf<TV, TF>(in Matrix m, int r0, int r1, int vectors, int at) where TV : struct where TF : struct, ISimdF<TV>
        {
            if (vectors == 1) Strip<TV, TF, One>(m, r0, r1, at, -1);
            else if (vectors == 2) Strip<TV, TF, Two>(m, r0, r1, at, -1);
            else if (vectors == 3) Strip<TV, TF, Three>(m, r0, r1, at, -1);
            else Strip<TV, TF, Four>(m, r0, r1, at, -1);
        }

        [MethodImpl(HotCode.Options)]
        private void Strip<TV, TF, TW>(in Matrix m, int r0, int r1, int s, int next)
            where TV : struct where TF : struct, ISimdF<TV> where TW : struct, IVectors
        {
            int n = N, c = TF.Count, rows = r1 - r0;
            for (int r = r0; r < r1; r++)
            {
                // Spread the next strip's K rows of X over this strip's rows: a few prefetches per row.
                if (next >= 0)
                    for (int k = (r - r0) * K / rows, kEnd = (r - r0 + 1) * K / rows; k < kEnd; k++)
                        Prefetch(X + (long)k * n + next, 4 * c);
                var a0 = TF.Splat(Bias == null ? 0f : Bias[r]);
                TV a1 = a0, a2 = a0, a3 = a0;
                for (int e = m.RowStart[r], end = m.RowStart[r + 1]; e < end; e++)
                {
                    var w = TF.Splat(m.Values[e]);
                    float* xr = X + (long)m.Columns[e] * n + s;
                    a0 = TF.Fma(w, TF.Load(xr), a0);
                    if (TW.Count > 1) a1 = TF.Fma(w, TF.Load(xr + c), a1);
                    if (TW.Count > 2) a2 = TF.Fma(w, TF.Load(xr + 2 * c), a2);
                    if (TW.Count > 3) a3 = TF.Fma(w, TF.Load(xr + 3 * c), a3);
                }
                float* yr = Y + (long)r * n + s;
                TF.Store(a0, yr);
                if (TW.Count > 1) TF.Store(a1, yr + c);
                if (TW.Count > 2) TF.Store(a2, yr + 2 * c);
                if (TW.Count > 3) TF.Store(a3, yr + 3 * c);
            }
        }

        private void Scalar(in Matrix m, int r0, int r1)
        {
            int n = N;
            for (int r = r0; r < r1; r++)
                for (int p = 0; p < n; p++)
                {
                    float a = Bias == null ? 0f : Bias[r];
                    for (int e = m.RowStart[r], end = m.RowStart[r + 1]; e < end; e++)
                        a = MathF.FusedMultiplyAdd(m.Values[e], X[(long)m.Columns[e] * n + p], a);
                    Y[(long)r * n + p] = a;
                }
        }

        /// <summary>Asks for the cache lines of <paramref name="count"/> floats from p (x86 only; a hint, never a fault).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Prefetch(float* p, int count)
        {
            if (!Sse.IsSupported) return;
            for (int i = 0; i < count; i += 16) Sse.Prefetch0(p + i);
            Sse.Prefetch0(p + count - 1);
        }
    }

    /// <summary>The pinned arrays of the CSR matrix for one call.</summary>
    private struct Matrix
    {
        public float* Values;
        public int* Columns;
        public int* RowStart;
    }
}
