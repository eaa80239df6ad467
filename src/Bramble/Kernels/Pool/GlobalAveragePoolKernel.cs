using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Pool;

/// <summary>
/// GlobalAveragePool: the mean of each contiguous plane, four independent SIMD sums per plane (a single
/// chain of adds would be latency-bound), planes spread over the worker pool.
/// </summary>
public static unsafe class GlobalAveragePoolKernel
{
    /// <summary>y[i] = mean(x[i·size .. (i+1)·size)) for each of <paramref name="planes"/> planes.</summary>
    public static void Run(float* input, float* output, int planes, int size, WorkerPool? pool, Isa maxIsa)
    {
        if (planes < 0 || size < 0) throw new ShapeException($"global average pool: negative size ({planes} planes of {size})");
        var body = new Body { Input = input, Output = output, Size = size, Isa = CpuFeatures.Effective(maxIsa) };
        if (pool == null || (long)planes * size < 1 << 16) for (int i = 0; i < planes; i++) body.Invoke(i);
        else pool.For(planes, ref body);
    }

    private struct Body : IParallelBody
    {
        public float* Input, Output;
        public int Size;
        public Isa Isa;

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int i)
        {
            float* p = Input + (long)i * Size;
            float sum = Isa >= Isa.Vector256 && F256.Supported ? Sum<F256, Vector256<float>>(p, Size)
                : Isa >= Isa.Vector128 && F128.Supported ? Sum<F128, Vector128<float>>(p, Size)
                : SumScalar(p, 0, Size);
            Output[i] = Size == 0 ? 0 : sum / Size;
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static float Sum<TS, TV>(float* p, int n) where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, i = 0;
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
        for (; i + 4 * v <= n; i += 4 * v)
        {
            a0 = TS.Add(a0, TS.Load(p + i));
            a1 = TS.Add(a1, TS.Load(p + i + v));
            a2 = TS.Add(a2, TS.Load(p + i + 2 * v));
            a3 = TS.Add(a3, TS.Load(p + i + 3 * v));
        }
        for (; i + v <= n; i += v) a0 = TS.Add(a0, TS.Load(p + i));
        return TS.Sum(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3))) + SumScalar(p, i, n);
    }

    private static float SumScalar(float* p, int from, int n)
    {
        float s = 0;
        for (int i = from; i < n; i++) s += p[i];
        return s;
    }
}
