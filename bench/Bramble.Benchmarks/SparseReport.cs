using System.Diagnostics;
using Bramble.Kernels;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Sparse;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `sparse [threads] [isa] [filter]`: the CSR sparse 1×1 kernel (SparseGemm) against Bramble's dense 1×1
/// convolution (Conv2dKernel, the kernel a session picks for a dense pointwise Conv) on the same shapes at
/// 70 / 80 / 90 % random unstructured sparsity, alternating the two so machine load hits both alike.
/// Prints medians and the dense/sparse ratio. One thread: per-thread CPU time; more: wall time.
/// </summary>
public static unsafe class SparseReport
{
    private static ConvGeometry Pointwise(int c, int hw, int k) => new(c, hw, hw, k, 1, 1);

    /// <summary>The 1×1 layers of MobileNet v1 at 224² (the shapes of Elsen et al. 2020) plus two smaller ones.</summary>
    public static readonly (string Name, ConvGeometry Geometry)[] Shapes =
    [
        ("64→128 @56²", Pointwise(64, 56, 128)),
        ("128→128 @56²", Pointwise(128, 56, 128)),
        ("128→256 @28²", Pointwise(128, 28, 256)),
        ("256→256 @28²", Pointwise(256, 28, 256)),
        ("256→512 @14²", Pointwise(256, 14, 512)),
        ("512→512 @14²", Pointwise(512, 14, 512)),
        ("512→1024 @7²", Pointwise(512, 7, 1024)),
        ("1024→1024 @7²", Pointwise(1024, 7, 1024)),
        ("32→64 @28² (small)", Pointwise(32, 28, 64)),
    ];

    private static readonly double[] Sparsities = [0.7, 0.8, 0.9];

    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : 1;
        var isa = args.Length > 2 ? CpuFeatures.Parse(args[2]) : CpuFeatures.Best;
        string filter = args.Length > 3 ? args[3] : "";
        using var pool = new WorkerPool(threads);
        Console.WriteLine($"threads {threads}, isa {isa}; median ms, dense 1x1 / sparse CSR = speedup");
        var ratios = Sparsities.ToDictionary(s => s, _ => new List<double>());
        foreach (var (name, g) in Shapes)
        {
            if (!name.Contains(filter)) continue;
            foreach (double s in Sparsities)
            {
                var (dense, sparse, label) = Measure(g, s, isa, pool, threads);
                ratios[s].Add(dense / sparse);
                Console.WriteLine($"{name,-20} {s,4:P0}  dense {dense,7:F3}  sparse {sparse,7:F3}  x{dense / sparse:F2}  ({label})");
            }
        }
        foreach (var (s, r) in ratios)
            if (r.Count > 0) Console.WriteLine($"sparsity {s:P0}: geometric mean speedup x{Math.Exp(r.Average(Math.Log)):F2}, min x{r.Min():F2}, max x{r.Max():F2}");
    }

    public static (double DenseMs, double SparseMs, string DenseName) Measure(in ConvGeometry g, double sparsity, Isa isa, WorkerPool pool, int threads)
    {
        int m = g.OutChannels, k = g.InChannels, n = g.InHeight * g.InWidth;
        using var x = QuickReport.Random((long)k * n);
        using var w = QuickReport.Random((long)m * k);
        using var bias = QuickReport.Random(m);
        using var y = new NativeBuffer((long)m * n * 4);
        // Random unstructured mask: every weight is zero with probability `sparsity` (exactly that many zeros).
        float* pw = (float*)w.Pointer;
        var rng = new Random(7);
        var order = Enumerable.Range(0, m * k).OrderBy(_ => rng.Next()).ToArray();
        for (int i = 0; i < (int)Math.Round(sparsity * m * k); i++) pw[order[i]] = 0f;
        var csr = CsrMatrix.FromDense(new ReadOnlySpan<float>(pw, m * k), m, k);
        using var dense = Conv2dKernel.Create(g, pw, isa);
        var e = Epilogue.Of(Activation.None, (float*)bias.Pointer, BiasKind.PerRow);
        float* px = (float*)x.Pointer, py = (float*)y.Pointer, pb = (float*)bias.Pointer;
        double flops = 2.0 * m * k * n;
        int reps = Math.Clamp((int)(2e9 / flops), 5, 41);
        var td = new double[reps];
        var ts = new double[reps];
        for (int r = -3; r < reps; r++) // warm-up rounds past tiered compilation
        {
            double t0 = Now(threads);
            dense.Run(px, py, 1, e, pool);
            double t1 = Now(threads);
            SparseGemm.Multiply(csr, px, pb, py, n, isa, threads > 1 ? pool : null);
            double t2 = Now(threads);
            if (r >= 0) { td[r] = t1 - t0; ts[r] = t2 - t1; }
        }
        Array.Sort(td);
        Array.Sort(ts);
        return (td[reps / 2] * 1e3, ts[reps / 2] * 1e3, dense.Name);
    }

    private static double Now(int threads) =>
        threads == 1 ? ThreadClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}
