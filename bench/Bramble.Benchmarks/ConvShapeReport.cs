using System.Diagnostics;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Tensors;
using Bramble.Kernels.Threading;

namespace Bramble.Benchmarks;

/// <summary>
/// `conv THREADS SPEC...`: the time of any convolution shapes given on the command line, for A/B comparisons of kernel
/// changes on layers the fixed lists of <see cref="LayerReport"/> do not have. SPEC is
/// `C,H,W,OC,K,STRIDE,PAD[,GROUPS][,clip]`, e.g. `64,55,55,16,1,1,0,1,clip` (SqueezeNet's first squeeze with its Relu-like clip).
/// Same timing as <see cref="LayerReport"/>: 25th percentile of 61 runs after a warm-up, thread CPU time at one thread.
/// </summary>
public static class ConvShapeReport
{
    public static void Run(string[] args)
    {
        int threads = int.Parse(args[1]);
        using var pool = threads > 1 ? new WorkerPool(threads) : null;
        foreach (string spec in args.Skip(2))
        {
            var (g, clip) = Parse(spec);
            if (args[0] == "conv-ab")
            {
                var (direct, gemm) = FirstLayerMinimums(g, clip, pool);
                Console.WriteLine($"{spec,-28} few-channels {direct,8:F1} µs  implicit-gemm {gemm,8:F1} µs  ratio {direct / gemm:F3}");
                continue;
            }
            double us = LayerReport.MedianMicroseconds(g, clip, residual: false, pool);
            Console.WriteLine($"{spec,-28} x1  {us,8:F1} µs  {2e-3 * g.Macs / us,6:F1} GFLOP/s");
        }
    }

    /// <summary>
    /// `conv-ab`: a first layer's <see cref="FewChannelConv"/> against the implicit GEMM in one process, one run of each
    /// in turn, fastest of 200 each: on a shared machine both see the same busy spells.
    /// </summary>
    private static unsafe (double Direct, double Gemm) FirstLayerMinimums(in ConvGeometry g, bool clip, WorkerPool? pool)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var bias = QuickReport.Random(g.OutChannels);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var direct = Conv2dKernel.Create(g, (float*)w.Pointer, CpuFeatures.Best, fewChannels: true);
        using var gemm = Conv2dKernel.Create(g, (float*)w.Pointer, CpuFeatures.Best, fewChannels: false);
        var e = clip ? Epilogue.Clip(0, 6, (float*)bias.Pointer, BiasKind.PerRow) : new Epilogue(Activation.None, 0, 0, (float*)bias.Pointer, BiasKind.PerRow);
        double Time(Conv2dKernel k)
        {
            double t0 = pool == null ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            k.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, pool);
            double t1 = pool == null ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            return (t1 - t0) * 1e6;
        }
        for (int i = 0; i < 20; i++) { Time(direct); Time(gemm); }
        double a = double.MaxValue, b = double.MaxValue;
        for (int i = 0; i < 200; i++)
        {
            a = Math.Min(a, Time(direct));
            b = Math.Min(b, Time(gemm));
        }
        return (a, b);
    }

    private static (ConvGeometry Geometry, bool Clip) Parse(string spec)
    {
        var parts = spec.Split(',');
        bool clip = parts[^1] == "clip";
        var n = parts.Take(clip ? parts.Length - 1 : parts.Length).Select(int.Parse).ToArray();
        if (n.Length is < 7 or > 8) throw new ArgumentException($"conv spec '{spec}': expected C,H,W,OC,K,STRIDE,PAD[,GROUPS][,clip]");
        var g = new ConvGeometry(n[0], n[1], n[2], n[3], n[4], n[4])
        {
            StrideH = n[5], StrideW = n[5], PadTop = n[6], PadLeft = n[6], PadBottom = n[6], PadRight = n[6],
            Groups = n.Length == 8 ? n[7] : 1,
        };
        return (g, clip);
    }
}
