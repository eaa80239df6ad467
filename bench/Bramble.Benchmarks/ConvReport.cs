using Bramble.Kernels.Threading;

namespace Bramble.Benchmarks;

/// <summary>Convolution shapes for the quick report (filled in with the conv kernels).</summary>
public static class ConvReport
{
    public static void Run(WorkerPool pool, double peak) { }
}
