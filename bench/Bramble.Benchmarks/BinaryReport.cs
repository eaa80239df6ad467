using BenchmarkDotNet.Attributes;
using Bramble.Kernels;
using Bramble.Kernels.Binary;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// Binary 3×3 convolutions against Bramble's float32 convolution of the same shape, per ISA:
/// `dotnet run -c Release -- binary [runs] [shape filter]`. The float side is the kernel a session really picks
/// (Winograd F(4×4,3×3) where <see cref="WinogradConv.Wins"/> and its weights fit the default allowance, else the
/// implicit GEMM); the implicit GEMM is timed too. One thread, thread CPU time, the kernels alternate within
/// each round so machine load hits them alike, medians of the rounds.
/// </summary>
public static unsafe class BinaryReport
{
    private static ConvGeometry Same(int c, int hw) => new(c, hw, hw, c, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };

    /// <summary>The shape: 256→256 channels, 56×56, 3×3, pad 1.</summary>
    public static readonly ConvGeometry Shape = Same(256, 56);

    public static readonly (string Name, ConvGeometry Geometry)[] Shapes =
    [
        ("256->256 @56x56", Shape),
        ("128->128 @28x28", Same(128, 28)),
        ("256->256 @14x14", Same(256, 14)),
        ("512->512 @7x7", Same(512, 7)),
    ];

    public static void Run(string[] args)
    {
        int runs = args.Length > 1 ? int.Parse(args[1]) : 7;
        string filter = args.Length > 2 ? args[2] : "";
        Console.WriteLine($"binary vs float conv 3x3, 1 thread, median of {runs} alternating rounds (thread CPU time); best ISA {CpuFeatures.Best}");
        foreach (var (label, g) in Shapes)
        {
            if (!label.Contains(filter)) continue;
            Console.WriteLine($"{label}: weights float {4L * g.OutChannels * g.KernelSize} B, packed {8L * g.OutChannels * 9 * BitPacked.WordsFor(g.InChannels)} B");
            foreach (var isa in new[] { Isa.Vector512, Isa.Vector256, Isa.Vector128, Isa.Scalar })
            {
                if (isa > CpuFeatures.Best) continue;
                var m = Measure(g, isa, isa == Isa.Scalar ? Math.Min(runs, 3) : runs);
                Console.WriteLine($"  {isa,-10} gemm {m.Gemm * 1e3,8:F2} ms  {m.FloatName,-4} {m.Float * 1e3,8:F2} ms  {m.BinaryName,-40} {m.Binary * 1e3,7:F3} ms"
                    + $"  binary vs {m.FloatName} {m.Float / m.Binary,5:F1}x  vs gemm {m.Gemm / m.Binary,5:F1}x"
                    + $"  | words path {m.Words * 1e3,7:F3} ms: vs {m.FloatName} {m.Float / m.Words,5:F1}x");
            }
        }
    }

    public readonly record struct Timing(double Gemm, double Float, string FloatName, double Binary, string BinaryName, double Words);

    /// <summary>
    /// Seconds per run (medians) of the implicit GEMM, the float kernel a session picks, the binary kernel a session
    /// picks, and the binary word-popcount path (the algorithm before the planar one) for comparison.
    /// </summary>
    public static Timing Measure(in ConvGeometry g, Isa isa, int runs)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var gemm = Conv2dKernel.Create(g, (float*)w.Pointer, isa);
        bool winograd = WinogradConv.Wins(g) && WinogradConv.TransformedWeightBytes(g) <= new SessionOptions().WinogradMaxWeightBytes;
        using var wino = winograd ? WinogradConv.Create(g, (float*)w.Pointer, isa, 1) : null;
        using var wws = new NativeBuffer(Math.Max(64, wino?.WorkspaceBytes ?? 0));

        var rng = new Random(3);
        int words = BitPacked.WordsFor(g.InChannels);
        var bx = BinaryKernelInputs(rng, g.InHeight * g.InWidth * words);
        var bw = BinaryKernelInputs(rng, g.OutChannels * g.KernelH * g.KernelW * words);
        var alpha = new float[g.OutChannels];
        Array.Fill(alpha, 0.5f);
        fixed (ulong* bwp = bw)
        fixed (ulong* bxp = bx)
        {
            var binary = BinaryConvKernel.Create(g, bwp, alpha, [], BinaryActivation.None, 0, isa);
            var wordsKernel = BinaryConvKernel.Create(g, bwp, alpha, [], BinaryActivation.None, 0, isa, BinaryConvPath.Words);
            using var bws = new NativeBuffer(Math.Max(64, Math.Max(binary.WorkspaceBytes, wordsKernel.WorkspaceBytes)));
            float* px = (float*)x.Pointer, py = (float*)y.Pointer;
            var e = Epilogue.None;
            var tg = new double[runs];
            var tf = new double[runs];
            var tb = new double[runs];
            var tw = new double[runs];
            // Warm-up rounds (at least one second) so every kernel runs optimised code before timing.
            double warmStart = ThreadClock.Now();
            for (int r = -1; r < runs; r++)
            {
                do
                {
                    double t0 = ThreadClock.Now();
                    gemm.Run(px, py, 1, e, null);
                    double t1 = ThreadClock.Now();
                    if (wino != null) wino.Run(px, py, 1, e, null, (byte*)wws.Pointer, wws.ByteLength);
                    double t2 = ThreadClock.Now();
                    binary.Run(bxp, py, 1, (ulong*)bws.Pointer, null);
                    double t3 = ThreadClock.Now();
                    wordsKernel.Run(bxp, py, 1, (ulong*)bws.Pointer, null);
                    double t4 = ThreadClock.Now();
                    if (r >= 0) { tg[r] = t1 - t0; tf[r] = t2 - t1; tb[r] = t3 - t2; tw[r] = t4 - t3; }
                }
                while (r < 0 && ThreadClock.Now() - warmStart < 1.0);
            }
            double med(double[] a) { Array.Sort(a); return a[a.Length / 2]; }
            double gm = med(tg);
            return new Timing(gm, wino != null ? med(tf) : gm, wino != null ? "wino" : "gemm", med(tb), binary.Name, med(tw));
        }
    }

    private static ulong[] BinaryKernelInputs(Random rng, int count)
    {
        var a = new ulong[count];
        for (int i = 0; i < a.Length; i++) a[i] = (ulong)rng.NextInt64();
        return a;
    }

    /// <summary>Seconds of one binary convolution (median of <paramref name="runs"/>), for BenchmarkDotNet.</summary>
    public static double BinarySeconds(in ConvGeometry g, Isa isa, int runs) => Measure(g, isa, runs).Binary;
}

/// <summary>BenchmarkDotNet view of the same comparison (`--filter *BinaryConv*`).</summary>
public unsafe class BinaryConvBenchmarks
{
    [Params(Isa.Vector128, Isa.Vector256)] public Isa Isa;

    [Benchmark] public double Binary3x3() => BinaryReport.BinarySeconds(BinaryReport.Shape, Isa, 1);
}
