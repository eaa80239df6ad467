using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Bramble.Kernels;
using Bramble.Kernels.Pool;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>Typical pooling layers: fast kernel vs reference, GB/s of input read (pooling is memory-bound).</summary>
public static unsafe class PoolReport
{
    public static readonly (string Name, PoolKind Kind, int Channels, PoolGeometry2d Geometry)[] Shapes =
    [
        ("max 2x2 s2 64 @112²", PoolKind.Max, 64, new PoolGeometry2d(112, 112, 56, 56, 2, 2, 2, 2, 0, 0, 0, 0)),
        ("max 3x3 s2 p1 64 @112² (resnet)", PoolKind.Max, 64, new PoolGeometry2d(112, 112, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1)),
        ("max 2x2 s1 512 @13² (darknet)", PoolKind.Max, 512, new PoolGeometry2d(13, 13, 13, 13, 2, 2, 1, 1, 0, 0, 1, 1)),
        ("avg 3x3 s1 p1 64 @56²", PoolKind.Average, 64, new PoolGeometry2d(56, 56, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1)),
    ];

    public static void Run(WorkerPool pool)
    {
        foreach (var (name, kind, c, g) in Shapes)
        {
            using var x = QuickReport.Random((long)c * g.InHeight * g.InWidth);
            using var y = new NativeBuffer((long)c * g.OutHeight * g.OutWidth * 4);
            double fast = Seconds(() => Pool2dKernel.Run(kind, g, (float*)x.Pointer, (float*)y.Pointer, c, pool, CpuFeatures.Best));
            var p = new PoolParameters(1, c, new SlidingWindow
            {
                SpatialRank = 2, Input = [1, g.InHeight, g.InWidth], Output = [1, g.OutHeight, g.OutWidth], Kernel = [1, g.KernelH, g.KernelW],
                Stride = [1, g.StrideH, g.StrideW], Dilation = [1, 1, 1], PadBegin = [0, g.PadTop, g.PadLeft], PadEnd = [0, g.PadBottom, g.PadRight],
            });
            var xs = new ReadOnlySpan<float>((float*)x.Pointer, c * g.InHeight * g.InWidth).ToArray();
            var ys = new float[c * g.OutHeight * g.OutWidth];
            double reference = Seconds(() =>
            {
                if (kind == PoolKind.Max) PoolReference.Max<float>(p, xs, ys, default, false);
                else PoolReference.Average(p, xs, ys, false);
            });
            double gb = 4.0 * c * g.InHeight * g.InWidth / 1e9;
            Console.WriteLine($"pool {name}: {fast * 1e6:F0} µs ({gb / fast:F1} GB/s), reference {reference * 1e6:F0} µs, {reference / fast:F1}x");
        }
    }

    private static double Seconds(Action run)
    {
        for (var sw = Stopwatch.StartNew(); sw.ElapsedMilliseconds < 200;) run();
        double best = double.MaxValue;
        for (int r = 0; r < 10; r++)
        {
            double t0 = ThreadClock.Now();
            run();
            best = Math.Min(best, ThreadClock.Now() - t0);
        }
        return best;
    }
}

/// <summary>The layers of <see cref="PoolReport.Shapes"/> through the fast kernel, one thread.</summary>
public unsafe class PoolBenchmarks
{
    private NativeBuffer _x = null!, _y = null!;
    private WorkerPool _pool = null!;

    [Params(0, 1, 2, 3)] // indexes PoolReport.Shapes
    public int Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (_, _, c, g) = PoolReport.Shapes[Shape];
        _x = QuickReport.Random((long)c * g.InHeight * g.InWidth);
        _y = new NativeBuffer((long)c * g.OutHeight * g.OutWidth * 4);
        _pool = new WorkerPool(1);
    }

    [Benchmark]
    public void Pool()
    {
        var (_, kind, c, g) = PoolReport.Shapes[Shape];
        Pool2dKernel.Run(kind, g, (float*)_x.Pointer, (float*)_y.Pointer, c, _pool, CpuFeatures.Best);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose(); _pool.Dispose();
    }
}
