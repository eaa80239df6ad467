using BenchmarkDotNet.Attributes;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>FMA throughput ceiling: FLOPs per call = <see cref="FmaPeak.Flops"/>(lanes, 1M).</summary>
public class FmaPeakBenchmarks
{
    private const long Iterations = 1_000_000;

    [Benchmark] public float Fma512() => FmaPeak.Run512(Iterations);
    [Benchmark] public float Fma256() => FmaPeak.Run256(Iterations);
    [Benchmark(Baseline = true)] public float Fma128() => FmaPeak.Run128(Iterations);
}

/// <summary>SGEMM 1024³ (2.15 GFLOP per call) per ISA variant, one thread.</summary>
public unsafe class SgemmBenchmarks
{
    private const int Size = 1024;
    private NativeBuffer _a = null!, _b = null!, _c = null!;
    private WorkerPool _pool = null!;

    [Params(Isa.Vector512, Isa.Vector256, Isa.Vector128)]
    public Isa Isa { get; set; }

    [Params(1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = QuickReport.Random(Size * Size);
        _b = QuickReport.Random(Size * Size);
        _c = new NativeBuffer(Size * Size * 4L);
        _pool = new WorkerPool(Threads);
    }

    [Benchmark]
    public void Sgemm1024() => Sgemm.Multiply(Size, Size, Size, 1, (float*)_a.Pointer, Size, false, (float*)_b.Pointer, Size, false,
        0, (float*)_c.Pointer, Size, Epilogue.None, _pool, Isa);

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose(); _b.Dispose(); _c.Dispose(); _pool.Dispose();
    }
}

/// <summary>The layer shapes of <see cref="ConvReport.Shapes"/>; FLOPs per call = 2 × <see cref="ConvGeometry.Macs"/>.</summary>
public unsafe class ConvBenchmarks
{
    private NativeBuffer _x = null!, _w = null!, _y = null!;
    private Conv2dKernel _kernel = null!;
    private WorkerPool _pool = null!;

    [Params(0, 1, 2, 3, 4)] // indexes ConvReport.Shapes
    public int Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = ConvReport.Shapes[Shape].Geometry;
        _x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        _w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        _y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        _kernel = Conv2dKernel.Create(g, (float*)_w.Pointer, CpuFeatures.Best);
        _pool = new WorkerPool(1);
    }

    [Benchmark]
    public void Conv() => _kernel.Run((float*)_x.Pointer, (float*)_y.Pointer, 1, Epilogue.Relu(), _pool);

    [GlobalCleanup]
    public void Cleanup()
    {
        _kernel.Dispose(); _x.Dispose(); _w.Dispose(); _y.Dispose(); _pool.Dispose();
    }
}
