using System.Runtime.Intrinsics;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Elementwise;

/// <summary>
/// GlobalAveragePool's fast path: the mean of each contiguous plane, summed in double lanes (float
/// loads widened) so long planes lose no more precision than the reference's double sum.
/// </summary>
internal static unsafe class PlaneMeans
{
    public static void Run(float* x, float* y, int planes, int size, WorkerPool? pool, Isa isa)
    {
        var body = new Body { X = x, Y = y, Planes = planes, Size = size, Isa = CpuFeatures.Effective(isa) };
        body.Parts = pool == null || (long)planes * size < 1 << 15 ? 1 : Math.Min(pool.ThreadCount, planes);
        if (body.Parts <= 1) { body.Parts = 1; body.Invoke(0); }
        else pool!.For(body.Parts, ref body);
    }

    private struct Body : IParallelBody
    {
        public float* X, Y;
        public int Planes, Size, Parts;
        public Isa Isa;

        public void Invoke(int part)
        {
            int p0 = (int)((long)Planes * part / Parts), p1 = (int)((long)Planes * (part + 1) / Parts);
            for (int p = p0; p < p1; p++)
            {
                float* v = X + (long)p * Size;
                int i = 0;
                double sum = 0;
                if (Isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
                {
                    var acc0 = Vector256<double>.Zero;
                    var acc1 = Vector256<double>.Zero;
                    for (; i + 8 <= Size; i += 8)
                    {
                        var (lo, hi) = Vector256.Widen(Vector256.Load(v + i));
                        acc0 += lo;
                        acc1 += hi;
                    }
                    sum = Vector256.Sum(acc0 + acc1);
                }
                for (; i < Size; i++) sum += v[i];
                Y[p] = Size == 0 ? 0 : (float)(sum / Size);
            }
        }
    }
}
