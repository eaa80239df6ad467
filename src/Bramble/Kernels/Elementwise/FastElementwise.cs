using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Elementwise;

/// <summary>
/// Vectorised float32 elementwise kernels for the ops' fast paths: activations and Add/Sub/Mul/Div with
/// numpy broadcasting. Large tensors are split over the worker pool. y may alias an input of y's shape.
/// </summary>
internal static unsafe class FastElementwise
{
    /// <summary>Below this many elements a job runs on the calling thread: dispatch would cost more than it saves.</summary>
    private const long ParallelThreshold = 1 << 15;

    public static void Activation(in UnaryActivation act, float* x, float* y, long n, WorkerPool? pool, Isa isa)
    {
        var body = new UnaryBody { Act = act, X = x, Y = y, N = n, Isa = CpuFeatures.Effective(isa) };
        body.Parts = Parts(n, pool);
        if (body.Parts == 1) body.Invoke(0); else pool!.For(body.Parts, ref body);
    }

    /// <summary>y = op(a, b) with numpy broadcasting; false when the shapes are not float32 or do not broadcast plainly to y.</summary>
    public static void Binary<TOp>(Tensor a, Tensor b, Tensor y, WorkerPool? pool, Isa isa) where TOp : struct, IBinaryVectorOp
    {
        long n = y.Length;
        if (n == 0) return;
        var body = new BinaryBody<TOp> { A = (float*)a.Data, B = (float*)b.Data, Y = (float*)y.Data, Isa = CpuFeatures.Effective(isa) };
        if (a.Length == n && b.Length == n) { body.Inner = n; body.StrideA = 1; body.StrideB = 1; }
        else if (b.Length == 1 && a.Length == n) { body.Inner = n; body.StrideA = 1; body.StrideB = 0; }
        else if (a.Length == 1 && b.Length == n) { body.Inner = n; body.StrideA = 0; body.StrideB = 1; }
        else Coalesce(ref body, a.Shape, b.Shape, y.Shape);
        body.Rows = n / body.Inner;
        // Split rows when there are several, else split the one long row.
        long units = body.Rows > 1 ? body.Rows : body.Inner;
        int parts = Parts(n, pool);
        body.Parts = (int)Math.Min(parts, units);
        if (body.Parts <= 1) { body.Parts = 1; body.Invoke(0); }
        else pool!.For(body.Parts, ref body);
    }

    private static int Parts(long n, WorkerPool? pool) =>
        pool == null || pool.ThreadCount <= 1 || n < ParallelThreshold ? 1 : pool.ThreadCount;

    /// <summary>
    /// Finds the longest run of trailing dimensions over which each input is either contiguous or one
    /// repeated value (e.g. [N,C,H,W] · [1,C,1,1] runs over H·W with B constant); the outer dimensions
    /// become rows whose input offsets are computed from their index.
    /// </summary>
    private static void Coalesce<TOp>(ref BinaryBody<TOp> body, int[] aShape, int[] bShape, int[] yShape) where TOp : struct, IBinaryVectorOp
    {
        int rank = yShape.Length;
        if (rank > MaxRank) throw new ShapeException($"elementwise: rank {rank} exceeds {MaxRank}");
        Span<long> sa = stackalloc long[rank], sb = stackalloc long[rank];
        AlignedStrides(aShape, yShape, sa);
        AlignedStrides(bShape, yShape, sb);
        int d = rank - 1;
        while (d >= 0 && yShape[d] == 1) d--;
        if (d < 0) { body.Inner = 1; body.StrideA = 1; body.StrideB = 1; body.OuterRank = 0; return; }
        long inner = yShape[d];
        int ka = sa[d] == 0 ? 0 : 1, kb = sb[d] == 0 ? 0 : 1;
        d--;
        for (; d >= 0; d--)
        {
            if (yShape[d] == 1) continue;
            bool aOk = ka == 0 ? sa[d] == 0 : sa[d] == inner;
            bool bOk = kb == 0 ? sb[d] == 0 : sb[d] == inner;
            if (!aOk || !bOk) break;
            inner *= yShape[d];
        }
        body.Inner = inner;
        body.StrideA = ka;
        body.StrideB = kb;
        body.OuterRank = d + 1;
        for (int k = 0; k <= d; k++)
        {
            body.OuterShape[k] = yShape[k];
            body.OuterA[k] = sa[k];
            body.OuterB[k] = sb[k];
        }
    }

    private static void AlignedStrides(int[] shape, int[] outShape, Span<long> strides)
    {
        int offset = outShape.Length - shape.Length;
        long s = 1;
        for (int d = outShape.Length - 1; d >= 0; d--)
        {
            int k = d - offset;
            if (k < 0) { strides[d] = 0; continue; }
            strides[d] = shape[k] == 1 ? 0 : s;
            s *= shape[k];
        }
    }

    private const int MaxRank = 8;

    [InlineArray(MaxRank)]
    private struct LongArray { private long _e; }

    private struct BinaryBody<TOp> : IParallelBody where TOp : struct, IBinaryVectorOp
    {
        public float* A, B, Y;
        public long Inner, Rows;
        public int StrideA, StrideB, Parts, OuterRank;
        public LongArray OuterShape, OuterA, OuterB;
        public Isa Isa;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int part)
        {
            if (Rows == 1)
            {
                long start = Inner * part / Parts, end = Inner * (part + 1) / Parts;
                Run(A + start * StrideA, StrideA, B + start * StrideB, StrideB, Y + start, end - start, Isa);
                return;
            }
            long r0 = Rows * part / Parts, r1 = Rows * (part + 1) / Parts;
            for (long r = r0; r < r1; r++)
            {
                long offA = 0, offB = 0, rest = r;
                for (int d = OuterRank - 1; d >= 0; d--)
                {
                    long idx = rest % OuterShape[d];
                    rest /= OuterShape[d];
                    offA += idx * OuterA[d];
                    offB += idx * OuterB[d];
                }
                Run(A + offA, StrideA, B + offB, StrideB, Y + r * Inner, Inner, Isa);
            }
        }

        /// <summary>One run: each input is contiguous (stride 1) or a single repeated value (stride 0).</summary>
        [MethodImpl(HotCode.Options)]
        private static void Run(float* a, int sa, float* b, int sb, float* y, long n, Isa isa)
        {
            long i = 0;
            if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
            {
                var ca = Vector256.Create(*a);
                var cb = Vector256.Create(*b);
                for (; i + 8 <= n; i += 8)
                    Vector256.Store(TOp.Apply(sa == 0 ? ca : Vector256.Load(a + i), sb == 0 ? cb : Vector256.Load(b + i)), y + i);
            }
            if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
            {
                var ca = Vector128.Create(*a);
                var cb = Vector128.Create(*b);
                for (; i + 4 <= n; i += 4)
                    Vector128.Store(TOp.Apply(sa == 0 ? ca : Vector128.Load(a + i), sb == 0 ? cb : Vector128.Load(b + i)), y + i);
            }
            for (; i < n; i++) y[i] = TOp.Apply(a[i * sa], b[i * sb]);
        }
    }

    private struct UnaryBody : IParallelBody
    {
        public UnaryActivation Act;
        public float* X, Y;
        public long N;
        public int Parts;
        public Isa Isa;

        [MethodImpl(HotCode.Options)]
        public void Invoke(int part)
        {
            long i = N * part / Parts, end = N * (part + 1) / Parts;
            float* x = X, y = Y;
            if (Isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
                for (; i + 8 <= end; i += 8) Vector256.Store(Act.Apply(Vector256.Load(x + i)), y + i);
            if (Isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
                for (; i + 4 <= end; i += 4) Vector128.Store(Act.Apply(Vector128.Load(x + i)), y + i);
            for (; i < end; i++) y[i] = Act.Apply(x[i]);
        }
    }
}
