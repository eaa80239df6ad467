using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Elementwise;

/// <summary>
/// Softmax over contiguous float32 lines: y = exp(x − max) / Σ exp(x − max), per line. The reference works in
/// double with one Math.Exp per element, about 10 ns each: on PP-OCR's recogniser the final softmax over 40 × 6625
/// classes took as long as a tenth of the whole model. Here each line is three vector passes (max; exp and sum;
/// scale) and lines are shared between the workers. Sums are kept in float per lane, so results differ from the
/// reference by a few units in the last place.
/// </summary>
internal static unsafe class SoftmaxKernel
{
    /// <summary>Elements below which waking workers costs more than it saves.</summary>
    private const long ParallelElements = 1 << 14;

    public static void Run(float* x, float* y, long lines, int length, WorkerPool? pool, Isa cap)
    {
        var job = new Job { X = x, Y = y, Lines = lines, Length = length, Isa = CpuFeatures.Effective(cap) };
        int parts = pool == null || lines < 2 || lines * length < ParallelElements ? 1 : (int)Math.Min(lines, 4L * pool.ThreadCount);
        job.Parts = parts;
        if (parts > 1) pool!.For(parts, ref job);
        else job.Invoke(0);
    }

    private struct Job : IParallelBody
    {
        public float* X, Y;
        public long Lines;
        public int Length, Parts;
        public Isa Isa;

        public void Invoke(int index)
        {
            long first = Lines * index / Parts, end = Lines * (index + 1) / Parts;
            for (long line = first; line < end; line++) Line(X + line * Length, Y + line * Length, Length, Isa);
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Line(float* x, float* y, int n, Isa isa)
    {
        if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated) Line256(x, y, n);
        else if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated) Line128(x, y, n);
        else LineScalar(x, y, n);
    }

    private static void Line256(float* x, float* y, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (n >= 8)
        {
            var vmax = Vector256.Load(x);
            for (i = 8; i + 8 <= n; i += 8) vmax = Vector256.Max(vmax, Vector256.Load(x + i));
            max = Vector256.Max(vmax, Vector256.Load(x + n - 8)).ToScalarMax();
            i = 0;
        }
        for (int t = n & ~7; t < n; t++) max = MathF.Max(max, x[t]);
        var m = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8)
        {
            var e = Vector256.Exp(Vector256.Load(x + i) - m);
            vsum += e;
            Vector256.Store(e, y + i);
        }
        float sum = Vector256.Sum(vsum);
        for (; i < n; i++) sum += y[i] = MathF.Exp(x[i] - max);
        var scale = Vector256.Create(1f / sum);
        for (i = 0; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(y + i) * scale, y + i);
        for (; i < n; i++) y[i] *= scale[0];
    }

    private static void Line128(float* x, float* y, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (n >= 4)
        {
            var vmax = Vector128.Load(x);
            for (i = 4; i + 4 <= n; i += 4) vmax = Vector128.Max(vmax, Vector128.Load(x + i));
            max = Vector128.Max(vmax, Vector128.Load(x + n - 4)).ToScalarMax();
            i = 0;
        }
        for (int t = n & ~3; t < n; t++) max = MathF.Max(max, x[t]);
        var m = Vector128.Create(max);
        var vsum = Vector128<float>.Zero;
        for (; i + 4 <= n; i += 4)
        {
            var e = Vector128.Exp(Vector128.Load(x + i) - m);
            vsum += e;
            Vector128.Store(e, y + i);
        }
        float sum = Vector128.Sum(vsum);
        for (; i < n; i++) sum += y[i] = MathF.Exp(x[i] - max);
        var scale = Vector128.Create(1f / sum);
        for (i = 0; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(y + i) * scale, y + i);
        for (; i < n; i++) y[i] *= scale[0];
    }

    private static void LineScalar(float* x, float* y, int n)
    {
        float max = float.NegativeInfinity, sum = 0;
        for (int i = 0; i < n; i++) max = MathF.Max(max, x[i]);
        for (int i = 0; i < n; i++) sum += y[i] = MathF.Exp(x[i] - max);
        float scale = 1f / sum;
        for (int i = 0; i < n; i++) y[i] *= scale;
    }

    private static float ToScalarMax(this Vector256<float> v) => Vector128.Max(v.GetLower(), v.GetUpper()).ToScalarMax();

    private static float ToScalarMax(this Vector128<float> v)
    {
        float a = MathF.Max(v[0], v[1]), b = MathF.Max(v[2], v[3]);
        return MathF.Max(a, b);
    }
}
