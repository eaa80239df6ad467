using System.Diagnostics;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `winograd [threads] [isa] [filter] [l2-budget-KiB] [min-tiles] [stream-u-budget-KiB]`: Winograd F(4×4,3×3), filters held transformed
/// and streamed, vs the implicit-GEMM convolution on 3×3 stride-1
/// layers, alternating the two so machine load hits both alike; prints medians and their ratio (the data
/// behind <c>WinogradSelection</c>). One thread: per-thread CPU time; more: wall time.
/// </summary>
public static unsafe class WinogradReport
{
    private static ConvGeometry Same(int c, int hw, int k) =>
        new(c, hw, hw, k, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };

    public static readonly (string Name, ConvGeometry Geometry)[] Shapes =
    [
        ("64→64 @56² (resnet18 l1)", Same(64, 56, 64)),
        ("128→128 @28² (resnet18 l2)", Same(128, 28, 128)),
        ("256→256 @14² (resnet18 l3)", Same(256, 14, 256)),
        ("512→512 @7² (resnet18 l4)", Same(512, 7, 512)),
        ("64→64 @224² (vgg16 b1)", Same(64, 224, 64)),
        ("256→256 @56² (vgg16 b3)", Same(256, 56, 256)),
        ("512→512 @28² (vgg16 b4)", Same(512, 28, 512)),
        ("3→32 @416² (yolov3 l0)", Same(3, 416, 32)),
        ("32→64 @208² (yolov3)", Same(32, 208, 64)),
        ("64→128 @104² (yolov3)", Same(64, 104, 128)),
        ("128→256 @52² (yolov3)", Same(128, 52, 256)),
        ("256→512 @26² (yolov3)", Same(256, 26, 512)),
        ("512→1024 @13² (yolov3)", Same(512, 13, 1024)),
        ("16→32 @208² (yolo-tiny)", Same(16, 208, 32)),
        ("8→16 @56²", Same(8, 56, 16)),
        ("16→16 @28²", Same(16, 28, 16)),
        ("32→32 @14²", Same(32, 14, 32)),
        ("64→64 @8²", Same(64, 8, 64)),
        ("4→32 @104² (edge)", Same(4, 104, 32)),
        ("6→32 @104² (edge)", Same(6, 104, 32)),
        ("128→128 @12² (edge)", Same(128, 12, 128)),
        ("256→256 @10² (edge)", Same(256, 10, 256)),
        ("512→512 @9² (edge)", Same(512, 9, 512)),
        ("16→64 @55² (squeezenet f3)", Same(16, 55, 64)),
        ("32→128 @27² (squeezenet f6)", Same(32, 27, 128)),
        ("48→192 @13² (squeezenet f9)", Same(48, 13, 192)),
        ("64→256 @13² (squeezenet f11)", Same(64, 13, 256)),
        ("96→24 @160² (ppocr det neck)", Same(96, 160, 24)),
        ("96→24 @80² (ppocr det neck)", Same(96, 80, 24)),
    ];

    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
        var isa = args.Length > 2 ? CpuFeatures.Parse(args[2]) : CpuFeatures.Best;
        string filter = args.Length > 3 ? args[3] : "";
        if (args.Length > 4) WinogradPlan.L2BudgetBytes = int.Parse(args[4]) * 1024; // block-size experiments
        if (args.Length > 5) WinogradPlan.MinTiles = int.Parse(args[5]);
        if (args.Length > 6) WinogradStreamPlan.UBudgetBytes = long.Parse(args[6]) * 1024;
        using var pool = new WorkerPool(threads);
        Console.WriteLine($"threads {threads}, isa {isa}; median ms (implicit-gemm / winograd = speedup; held = transformed filters kept, streamed = transformed per run)");
        foreach (var (name, g) in Shapes)
        {
            if (!name.Contains(filter)) continue;
            var (direct, winograd, streamed, label) = Measure(g, isa, pool, threads);
            Console.WriteLine($"{name,-30} gemm {direct,8:F2}  held {winograd,8:F2} x{direct / winograd:F2}  streamed {streamed,8:F2} x{direct / streamed:F2}  {label}");
        }
    }

    public static (double Direct, double Winograd, double Streamed, string Name) Measure(in ConvGeometry g, Isa isa, WorkerPool pool, int threads)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var bias = QuickReport.Random(g.OutChannels);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var direct = Conv2dKernel.Create(g, (float*)w.Pointer, isa);
        using var wino = WinogradConv.Create(g, (float*)w.Pointer, isa, threads);
        using var stream = WinogradConv.Create(g, (float*)w.Pointer, isa, threads, streamed: true);
        using var ws = new NativeBuffer(Math.Max(wino.WorkspaceBytes, stream.WorkspaceBytes));
        var e = Epilogue.Relu((float*)bias.Pointer, BiasKind.PerRow);
        float* px = (float*)x.Pointer, py = (float*)y.Pointer;
        double flops = 2.0 * g.Macs;
        int reps = Math.Clamp((int)(3e9 / flops), 3, 25);
        var td = new double[reps];
        var tw = new double[reps];
        var ts = new double[reps];
        for (int r = -2; r < reps; r++) // two warm-up rounds past tiered compilation
        {
            double t0 = Now(threads);
            direct.Run(px, py, 1, e, pool);
            double t1 = Now(threads);
            wino.Run(px, py, 1, e, pool, (byte*)ws.Pointer, ws.ByteLength);
            double t2 = Now(threads);
            stream.Run(px, py, 1, e, pool, (byte*)ws.Pointer, ws.ByteLength);
            double t3 = Now(threads);
            if (r >= 0) { td[r] = t1 - t0; tw[r] = t2 - t1; ts[r] = t3 - t2; }
        }
        Array.Sort(td);
        Array.Sort(tw);
        Array.Sort(ts);
        return (td[reps / 2] * 1e3, tw[reps / 2] * 1e3, ts[reps / 2] * 1e3, wino.Name);
    }

    private static double Now(int threads) =>
        threads == 1 ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}
