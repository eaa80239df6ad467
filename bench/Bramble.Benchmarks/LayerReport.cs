using System.Diagnostics;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `layers [threads] [filter] [auto|planes|interleaved]`: median time of each distinct convolution of MobileNetV2 at 224² (Clip(0, 6)
/// epilogue where the model has one), for A/B comparisons of kernel changes between two builds. One thread:
/// thread CPU time (robust on a shared machine); more: wall time. Prints one line per layer and the sum. The last
/// argument forces a depthwise kernel family, to measure where the shape rule should switch between them.
/// </summary>
public static unsafe class LayerReport
{
    private static ConvGeometry Pw(int c, int hw, int oc) => new(c, hw, hw, oc, 1, 1);

    private static ConvGeometry Dw(int c, int hw, int stride) => new ConvGeometry(c, hw, hw, c, 3, 3)
    { StrideH = stride, StrideW = stride, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1, Groups = c };

    /// <summary>TF "same" padding of a stride-2 3×3 layer as BlazeFace exports it: nothing before, one after.</summary>
    private static ConvGeometry DwSame2(int c, int hw) => Dw(c, hw, 2) with { PadTop = 0, PadLeft = 0 };

    /// <summary>MobileNetV2's distinct convolutions (name, geometry, clip epilogue, repeats in the model).</summary>
    public static readonly (string Name, ConvGeometry Geometry, bool Clip, int Repeats)[] MobileNetV2 =
    [
        ("conv 3→32 s2 @224", new ConvGeometry(3, 224, 224, 32, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }, true, 1),
        ("dw 32 @112", Dw(32, 112, 1), true, 1),
        ("pw 32→16 @112", Pw(32, 112, 16), false, 1),
        ("pw 16→96 @112", Pw(16, 112, 96), true, 1),
        ("dw 96 s2 @112", Dw(96, 112, 2), true, 1),
        ("pw 96→24 @56", Pw(96, 56, 24), false, 1),
        ("pw 24→144 @56", Pw(24, 56, 144), true, 2),
        ("dw 144 @56", Dw(144, 56, 1), true, 1),
        ("pw 144→24 @56", Pw(144, 56, 24), false, 1),
        ("dw 144 s2 @56", Dw(144, 56, 2), true, 1),
        ("pw 144→32 @28", Pw(144, 28, 32), false, 1),
        ("pw 32→192 @28", Pw(32, 28, 192), true, 3),
        ("dw 192 @28", Dw(192, 28, 1), true, 2),
        ("pw 192→32 @28", Pw(192, 28, 32), false, 2),
        ("dw 192 s2 @28", Dw(192, 28, 2), true, 1),
        ("pw 192→64 @14", Pw(192, 14, 64), false, 1),
        ("pw 64→384 @14", Pw(64, 14, 384), true, 4),
        ("dw 384 @14", Dw(384, 14, 1), true, 4),
        ("pw 384→64 @14", Pw(384, 14, 64), false, 3),
        ("pw 384→96 @14", Pw(384, 14, 96), false, 1),
        ("pw 96→576 @14", Pw(96, 14, 576), true, 3),
        ("dw 576 @14", Dw(576, 14, 1), true, 2),
        ("pw 576→96 @14", Pw(576, 14, 96), false, 2),
        ("dw 576 s2 @14", Dw(576, 14, 2), true, 1),
        ("pw 576→160 @7", Pw(576, 7, 160), false, 1),
        ("pw 160→960 @7", Pw(160, 7, 960), true, 3),
        ("dw 960 @7", Dw(960, 7, 1), true, 3),
        ("pw 960→160 @7", Pw(960, 7, 160), false, 2),
        ("pw 960→320 @7", Pw(960, 7, 320), false, 1),
        ("pw 320→1280 @7", Pw(320, 7, 1280), true, 1),
    ];

    /// <summary>
    /// BlazeFace (back camera, 256²) convolutions: the 24-channel 1×1 layers at 128² and 64², and every distinct
    /// depthwise layer (no activation: it follows the residual add); "bff" ones are the front camera's (128²) extra shapes.
    /// </summary>
    public static readonly (string Name, ConvGeometry Geometry, bool Clip, int Repeats)[] BlazeFace =
    [
        ("bf pw 24→24 @128", Pw(24, 128, 24), true, 7),
        ("bf pw 24→24 @128 +residual", Pw(24, 128, 24), true, 0),
        ("bf pw 24→24 @64", Pw(24, 64, 24), true, 8),
        ("bf dw 24 @128", Dw(24, 128, 1), false, 7),
        ("bf dw 24 s2 @128", DwSame2(24, 128), false, 1),
        ("bf dw 24 @64", Dw(24, 64, 1), false, 7),
        ("bf dw 24 s2 @64", DwSame2(24, 64), false, 1),
        ("bf dw 48 @32", Dw(48, 32, 1), false, 7),
        ("bf dw 48 s2 @32", DwSame2(48, 32), false, 1),
        ("bf dw 96 @16", Dw(96, 16, 1), false, 7),
        ("bf dw 96 s2 @16", DwSame2(96, 16), false, 1),
        ("bff dw 32 @32", Dw(32, 32, 1), false, 1),
        ("bff dw 64 @16", Dw(64, 16, 1), false, 1),
        ("bff dw 96 @8", Dw(96, 8, 1), false, 4),
    ];

    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : 1;
        string? filter = args.Length > 2 && args[2].Length > 0 ? args[2] : null;
        var path = args.Length > 3 ? Enum.Parse<DepthwisePath>(args[3], ignoreCase: true) : DepthwisePath.Auto;
        using var pool = threads > 1 ? new WorkerPool(threads) : null;
        double total = 0;
        foreach (var (name, g, clip, repeats) in MobileNetV2.Concat(BlazeFace))
        {
            if (filter != null && !name.Contains(filter, StringComparison.Ordinal)) continue;
            double us = MedianMicroseconds(g, clip, name.EndsWith("+residual", StringComparison.Ordinal), pool, path);
            total += us * repeats;
            Console.WriteLine($"{name,-22} x{repeats}  {us,8:F1} µs  {2e-3 * g.Macs / us,6:F1} GFLOP/s");
        }
        Console.WriteLine($"total (× repeats) {total / 1000:F3} ms");
    }

    internal static double MedianMicroseconds(in ConvGeometry g, bool clip, bool residual, WorkerPool? pool, DepthwisePath path = DepthwisePath.Auto)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var bias = QuickReport.Random(g.OutChannels);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var z = QuickReport.Random((long)g.OutChannels * g.OutHeight * g.OutWidth);
        using var kernel = Conv2dKernel.Create(g, (float*)w.Pointer, CpuFeatures.Best);
        kernel.DepthwisePath = path;
        var e = clip ? Epilogue.Clip(0, 6, (float*)bias.Pointer, BiasKind.PerRow) : new Epilogue(Activation.None, 0, 0, (float*)bias.Pointer, BiasKind.PerRow);
        if (residual) e = e.WithResidual((float*)z.Pointer, (long)g.OutHeight * g.OutWidth);
        for (var sw = Stopwatch.StartNew(); sw.ElapsedMilliseconds < 150;) kernel.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, pool);
        var times = new double[61];
        for (int r = 0; r < times.Length; r++)
        {
            double t0 = pool == null ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            kernel.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, pool);
            double t1 = pool == null ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            times[r] = (t1 - t0) * 1e6;
        }
        Array.Sort(times);
        return times[times.Length / 4];
    }
}
