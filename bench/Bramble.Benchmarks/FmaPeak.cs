using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Benchmarks;

/// <summary>
/// The single-core FMA ceiling: 12 independent multiply-add chains (enough to cover latency × ports
/// on current cores) with no memory traffic. GEMM efficiency is reported against this number.
/// </summary>
public static class FmaPeak
{
    private const int Chains = 12;

    /// <summary>FLOPs (2 per lane per FMA) of one <see cref="Run256"/>/<see cref="Run512"/>/<see cref="Run128"/> call.</summary>
    public static long Flops(int width, long iterations) => 2L * width * Chains * iterations;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run512(long iterations)
    {
        var m = Vector512.Create(0.999f); var a = Vector512.Create(0.001f);
        Vector512<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.MultiplyAddEstimate(c0, m, a); c1 = Vector512.MultiplyAddEstimate(c1, m, a);
            c2 = Vector512.MultiplyAddEstimate(c2, m, a); c3 = Vector512.MultiplyAddEstimate(c3, m, a);
            c4 = Vector512.MultiplyAddEstimate(c4, m, a); c5 = Vector512.MultiplyAddEstimate(c5, m, a);
            c6 = Vector512.MultiplyAddEstimate(c6, m, a); c7 = Vector512.MultiplyAddEstimate(c7, m, a);
            c8 = Vector512.MultiplyAddEstimate(c8, m, a); c9 = Vector512.MultiplyAddEstimate(c9, m, a);
            c10 = Vector512.MultiplyAddEstimate(c10, m, a); c11 = Vector512.MultiplyAddEstimate(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run256(long iterations)
    {
        var m = Vector256.Create(0.999f); var a = Vector256.Create(0.001f);
        Vector256<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.MultiplyAddEstimate(c0, m, a); c1 = Vector256.MultiplyAddEstimate(c1, m, a);
            c2 = Vector256.MultiplyAddEstimate(c2, m, a); c3 = Vector256.MultiplyAddEstimate(c3, m, a);
            c4 = Vector256.MultiplyAddEstimate(c4, m, a); c5 = Vector256.MultiplyAddEstimate(c5, m, a);
            c6 = Vector256.MultiplyAddEstimate(c6, m, a); c7 = Vector256.MultiplyAddEstimate(c7, m, a);
            c8 = Vector256.MultiplyAddEstimate(c8, m, a); c9 = Vector256.MultiplyAddEstimate(c9, m, a);
            c10 = Vector256.MultiplyAddEstimate(c10, m, a); c11 = Vector256.MultiplyAddEstimate(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run128(long iterations)
    {
        var m = Vector128.Create(0.999f); var a = Vector128.Create(0.001f);
        Vector128<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector128.MultiplyAddEstimate(c0, m, a); c1 = Vector128.MultiplyAddEstimate(c1, m, a);
            c2 = Vector128.MultiplyAddEstimate(c2, m, a); c3 = Vector128.MultiplyAddEstimate(c3, m, a);
            c4 = Vector128.MultiplyAddEstimate(c4, m, a); c5 = Vector128.MultiplyAddEstimate(c5, m, a);
            c6 = Vector128.MultiplyAddEstimate(c6, m, a); c7 = Vector128.MultiplyAddEstimate(c7, m, a);
            c8 = Vector128.MultiplyAddEstimate(c8, m, a); c9 = Vector128.MultiplyAddEstimate(c9, m, a);
            c10 = Vector128.MultiplyAddEstimate(c10, m, a); c11 = Vector128.MultiplyAddEstimate(c11, m, a);
        }
        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    /// <summary>Measured GFLOP/s of one core at the given vector width (128, 256 or 512 bits), best of a few runs.</summary>
    public static double Measure(int bits)
    {
        const long iterations = 20_000_000;
        double best = 0;
        for (int rep = 0; rep < 4; rep++)
        {
            double t0 = ThreadClock.Now();
            _ = bits switch { 512 => Run512(iterations), 256 => Run256(iterations), _ => Run128(iterations) };
            double seconds = ThreadClock.Now() - t0;
            best = Math.Max(best, Flops(bits / 32, iterations) / seconds / 1e9);
        }
        return best;
    }
}
