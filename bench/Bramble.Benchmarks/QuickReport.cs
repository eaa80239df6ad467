using System.Diagnostics;
using System.Runtime.Intrinsics;
using Bramble.Kernels;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// A short Stopwatch run (seconds, not minutes) printing GFLOP/s and % of the measured FMA peak for
/// each ISA variant: `dotnet run -c Release -- quick`. BenchmarkDotNet gives the careful numbers.
/// </summary>
public static unsafe class QuickReport
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : 1;
        Console.WriteLine($"CPU best ISA: {CpuFeatures.Best}, threads: {threads}");
        var peaks = new Dictionary<Isa, double>();
        if (Vector512.IsHardwareAccelerated) peaks[Isa.Vector512] = FmaPeak.Measure(512);
        if (Vector256.IsHardwareAccelerated) peaks[Isa.Vector256] = FmaPeak.Measure(256);
        if (Vector128.IsHardwareAccelerated) peaks[Isa.Vector128] = FmaPeak.Measure(128);
        foreach (var (isa, gf) in peaks) Console.WriteLine($"FMA peak {isa}: {gf:F1} GFLOP/s per core");

        using var pool = new WorkerPool(threads);
        foreach (var isa in new[] { Isa.Vector512, Isa.Vector256, Isa.Vector128, Isa.Scalar })
        {
            if (isa > CpuFeatures.Best) continue;
            double gf = GemmGflops(1024, 1024, 1024, isa, pool);
            double peak = peaks.TryGetValue(isa, out var p) ? p * threads : double.NaN;
            Console.WriteLine($"SGEMM 1024³ {GemmKernel.Select(isa).Name}: {gf:F1} GFLOP/s = {100 * gf / peak:F0}% of {isa} peak");
        }
        ConvReport.Run(pool, peaks.Count > 0 ? peaks.Values.Max() * threads : double.NaN);
        PoolReport.Run(pool);
    }

    public static double GemmGflops(int m, int n, int k, Isa isa, WorkerPool pool)
    {
        using var a = Random(m * k);
        using var b = Random(k * n);
        using var c = new NativeBuffer((long)m * n * 4);
        float* pa = (float*)a.Pointer, pb = (float*)b.Pointer, pc = (float*)c.Pointer;
        var e = Epilogue.None;
        Sgemm.Multiply(m, n, k, 1, pa, k, false, pb, n, false, 0, pc, n, e, pool, isa);
        double best = double.MaxValue;
        int reps = isa == Isa.Scalar ? 1 : 5;
        for (int r = 0; r < reps; r++)
        {
            double t0 = ThreadClock.Now();
            Sgemm.Multiply(m, n, k, 1, pa, k, false, pb, n, false, 0, pc, n, e, pool, isa);
            best = Math.Min(best, ThreadClock.Now() - t0);
        }
        return 2.0 * m * n * k / best / 1e9;
    }

    public static NativeBuffer Random(long count)
    {
        var buf = new NativeBuffer(count * 4);
        var rng = new Random(1);
        float* p = (float*)buf.Pointer;
        for (long i = 0; i < count; i++) p[i] = (float)(rng.NextDouble() - 0.5);
        return buf;
    }
}
