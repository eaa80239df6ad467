using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Sparse;

/// <summary>
/// Y[M×N] = W[M×K] · X[K×N] (+ bias per row) with W sparse (CSR) and X dense: a 1×1 convolution in
/// NCHW, where N is the number of spatial positions. The layout of Elsen et al. 2020 ("Fast Sparse
/// ConvNets"): SIMD runs over N, so every non-zero weight is broadcast once and multiplied into a strip
/// of 32 positions held in registers, and no zero is ever touched. Strips are the outer loop so the
/// K×32 slice of X a strip reads stays in L1 while all rows use it. Threads split the rows.
/// </summary>
public static unsafe class SparseGemm
{
    /// <summary>Positions per register strip on the widest path (4 × Vector256).</summary>
    public const int Strip = 32;

    /// <summary>Runs the product; <paramref name="bias"/> may be null. X and Y are dense row-major with N columns.</summary>
    public static void Multiply(CsrMatrix w, float* x, float* bias, float* y, int n, Isa isa, WorkerPool? pool)
    {
        var body = new Body
        {
            Values = w.Values, Columns = w.Columns, RowStart = w.RowStart,
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

    private struct Body : IParallelBody
    {
        public float[] Values;
        public int[] Columns;
        public int[] RowStart;
        public float* X, Bias, Y;
        public int N, Rows, RowsPerPart;
        public Isa Isa;

        public void Invoke(int index)
        {
            int r0 = index * RowsPerPart, r1 = Math.Min(Rows, r0 + RowsPerPart);
            fixed (float* values = Values)
            fixed (int* columns = Columns)
            fixed (int* rowStart = RowStart)
            {
                if (Isa >= Isa.Vector256) Rows256(values, columns, rowStart, r0, r1);
                else if (Isa >= Isa.Vector128) Rows128(values, columns, rowStart, r0, r1);
                else RowsScalar(values, columns, rowStart, r0, r1, 0);
            }
        }

        private void Rows256(float* values, int* columns, int* rowStart, int r0, int r1)
        {
            int n = N, s = 0;
            for (; s + Strip <= n; s += Strip)
                for (int r = r0; r < r1; r++)
                {
                    var b = Vector256.Create(Bias == null ? 0f : Bias[r]);
                    Vector256<float> a0 = b, a1 = b, a2 = b, a3 = b;
                    for (int e = rowStart[r], end = rowStart[r + 1]; e < end; e++)
                    {
                        var w = Vector256.Create(values[e]);
                        float* xr = X + (long)columns[e] * n + s;
                        a0 = Fma(w, Vector256.Load(xr), a0);
                        a1 = Fma(w, Vector256.Load(xr + 8), a1);
                        a2 = Fma(w, Vector256.Load(xr + 16), a2);
                        a3 = Fma(w, Vector256.Load(xr + 24), a3);
                    }
                    float* yr = Y + (long)r * n + s;
                    a0.Store(yr); a1.Store(yr + 8); a2.Store(yr + 16); a3.Store(yr + 24);
                }
            if (s < n && Avx.IsSupported)
            {
                Tail256(values, columns, rowStart, r0, r1, s);
                return;
            }
            for (; s + 8 <= n; s += 8)
                for (int r = r0; r < r1; r++)
                {
                    var a = Vector256.Create(Bias == null ? 0f : Bias[r]);
                    for (int e = rowStart[r], end = rowStart[r + 1]; e < end; e++)
                        a = Fma(Vector256.Create(values[e]), Vector256.Load(X + (long)columns[e] * n + s), a);
                    a.Store(Y + (long)r * n + s);
                }
            RowsScalar(values, columns, rowStart, r0, r1, s);
        }

        /// <summary>
        /// The last n − s (&lt; 32) positions in one pass of four masked vectors. One 8-wide accumulator per row
        /// would wait on the FMA latency for every non-zero, and a scalar remainder costs a full pass over the
        /// row's non-zeros per position: at 7×7 or 14×14 those tails took most of the time. Masked lanes of a
        /// load never fault, so reading past the end of X's last row is safe.
        /// </summary>
        private void Tail256(float* values, int* columns, int* rowStart, int r0, int r1, int s)
        {
            int n = N;
            var lane = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
            var rest = Vector256.Create((float)(n - s));
            var m0 = Vector256.LessThan(lane, rest);
            var m1 = Vector256.LessThan(lane + Vector256.Create(8f), rest);
            var m2 = Vector256.LessThan(lane + Vector256.Create(16f), rest);
            var m3 = Vector256.LessThan(lane + Vector256.Create(24f), rest);
            for (int r = r0; r < r1; r++)
            {
                var b = Vector256.Create(Bias == null ? 0f : Bias[r]);
                Vector256<float> a0 = b, a1 = b, a2 = b, a3 = b;
                for (int e = rowStart[r], end = rowStart[r + 1]; e < end; e++)
                {
                    var w = Vector256.Create(values[e]);
                    float* xr = X + (long)columns[e] * n + s;
                    a0 = Fma(w, Avx.MaskLoad(xr, m0), a0);
                    a1 = Fma(w, Avx.MaskLoad(xr + 8, m1), a1);
                    a2 = Fma(w, Avx.MaskLoad(xr + 16, m2), a2);
                    a3 = Fma(w, Avx.MaskLoad(xr + 24, m3), a3);
                }
                float* yr = Y + (long)r * n + s;
                Avx.MaskStore(yr, m0, a0);
                Avx.MaskStore(yr + 8, m1, a1);
                Avx.MaskStore(yr + 16, m2, a2);
                Avx.MaskStore(yr + 24, m3, a3);
            }
        }

        private void Rows128(float* values, int* columns, int* rowStart, int r0, int r1)
        {
            int n = N, s = 0;
            for (; s + 16 <= n; s += 16)
                for (int r = r0; r < r1; r++)
                {
                    var b = Vector128.Create(Bias == null ? 0f : Bias[r]);
                    Vector128<float> a0 = b, a1 = b, a2 = b, a3 = b;
                    for (int e = rowStart[r], end = rowStart[r + 1]; e < end; e++)
                    {
                        var w = Vector128.Create(values[e]);
                        float* xr = X + (long)columns[e] * n + s;
                        a0 = Fma(w, Vector128.Load(xr), a0);
                        a1 = Fma(w, Vector128.Load(xr + 4), a1);
                        a2 = Fma(w, Vector128.Load(xr + 8), a2);
                        a3 = Fma(w, Vector128.Load(xr + 12), a3);
                    }
                    float* yr = Y + (long)r * n + s;
                    a0.Store(yr); a1.Store(yr + 4); a2.Store(yr + 8); a3.Store(yr + 12);
                }
            RowsScalar(values, columns, rowStart, r0, r1, s);
        }

        private void RowsScalar(float* values, int* columns, int* rowStart, int r0, int r1, int from)
        {
            int n = N;
            for (int r = r0; r < r1; r++)
                for (int p = from; p < n; p++)
                {
                    float a = Bias == null ? 0f : Bias[r];
                    for (int e = rowStart[r], end = rowStart[r + 1]; e < end; e++)
                        a = MathF.FusedMultiplyAdd(values[e], X[(long)columns[e] * n + p], a);
                    Y[(long)r * n + p] = a;
                }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            SimdMath.MultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
            SimdMath.MultiplyAdd(a, b, c);
    }
}
