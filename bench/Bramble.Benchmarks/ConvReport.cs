using System.Diagnostics;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>Typical CNN layer shapes (YOLO-tiny / MobileNet style) for the quick report and BenchmarkDotNet.</summary>
public static unsafe class ConvReport
{
    public static readonly (string Name, ConvGeometry Geometry)[] Shapes =
    [
        ("3x3 s1 64→64 @56²", new ConvGeometry(64, 56, 56, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }),
        ("3x3 s1 16→32 @208² (yolo-tiny l2)", new ConvGeometry(16, 208, 208, 32, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }),
        ("1x1 128→256 @28²", new ConvGeometry(128, 28, 28, 256, 1, 1)),
        ("dw3x3 s1 128 @56²", new ConvGeometry(128, 56, 56, 128, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 128 }),
        ("dw3x3 s2 128 @56²", new ConvGeometry(128, 56, 56, 128, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = 128 }),
    ];

    public static void Run(WorkerPool pool, double peak)
    {
        foreach (var (name, g) in Shapes)
        {
            double gf = Gflops(g, CpuFeatures.Best, pool);
            Console.WriteLine($"conv {name}: {gf:F1} GFLOP/s = {100 * gf / peak:F0}% of peak");
        }
    }

    public static double Gflops(in ConvGeometry g, Isa isa, WorkerPool pool)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var kernel = Conv2dKernel.Create(g, (float*)w.Pointer, isa);
        var e = Epilogue.Relu();
        // Warm up past tiered compilation (tier-0 helpers called per row would dominate otherwise).
        for (var sw = Stopwatch.StartNew(); sw.ElapsedMilliseconds < 400;) kernel.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, pool);
        double best = double.MaxValue;
        for (int r = 0; r < 10; r++)
        {
            double t0 = ThreadClock.Now();
            kernel.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, pool);
            best = Math.Min(best, ThreadClock.Now() - t0);
        }
        return 2.0 * g.Macs / best / 1e9;
    }
}
