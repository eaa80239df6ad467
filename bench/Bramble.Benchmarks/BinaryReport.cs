using BenchmarkDotNet.Attributes;
using Bramble.Kernels;
using Bramble.Kernels.Binary;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// Binary 3×3 convolution 256→256 @56×56 against Bramble's float32 convolution of the same shape, per ISA:
/// `dotnet run -c Release -- binary [runs]`. One thread, thread CPU time, median of the runs (the machine is shared).
/// </summary>
public static unsafe class BinaryReport
{
    public static readonly ConvGeometry Shape = new(256, 56, 56, 256, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };

    public static void Run(string[] args)
    {
        int runs = args.Length > 1 ? int.Parse(args[1]) : 7;
        var g = Shape;
        Console.WriteLine($"binary vs float conv 3x3 256->256 @56x56, 1 thread, median of {runs} runs (thread CPU time); best ISA {CpuFeatures.Best}");
        Console.WriteLine($"weights: float {4L * g.OutChannels * g.KernelSize} B, packed {8L * g.OutChannels * 9 * BitPacked.WordsFor(256)} B");
        foreach (var isa in new[] { Isa.Vector512, Isa.Vector256, Isa.Vector128, Isa.Scalar })
        {
            if (isa > CpuFeatures.Best) continue;
            double fl = FloatSeconds(g, isa, isa == Isa.Scalar ? 1 : runs);
            double bin = BinarySeconds(g, isa, runs, out string name);
            Console.WriteLine($"{isa,-10} float {fl * 1e3,8:F2} ms   {name,-34} {bin * 1e3,7:F3} ms   speedup {fl / bin,5:F1}x");
        }
    }

    public static double FloatSeconds(in ConvGeometry g, Isa isa, int runs)
    {
        using var x = QuickReport.Random((long)g.InChannels * g.InHeight * g.InWidth);
        using var w = QuickReport.Random((long)g.OutChannels * g.KernelSize);
        using var y = new NativeBuffer((long)g.OutChannels * g.OutHeight * g.OutWidth * 4);
        using var kernel = Conv2dKernel.Create(g, (float*)w.Pointer, isa);
        var e = Epilogue.None;
        return Median(runs, () => kernel.Run((float*)x.Pointer, (float*)y.Pointer, 1, e, null));
    }

    public static double BinarySeconds(in ConvGeometry g, Isa isa, int runs, out string name)
    {
        var rng = new Random(3);
        int words = BitPacked.WordsFor(g.InChannels);
        var x = new ulong[g.InHeight * g.InWidth * words];
        var w = new ulong[g.OutChannels * g.KernelH * g.KernelW * words];
        for (int i = 0; i < x.Length; i++) x[i] = (ulong)rng.NextInt64();
        for (int i = 0; i < w.Length; i++) w[i] = (ulong)rng.NextInt64();
        var alpha = new float[g.OutChannels];
        Array.Fill(alpha, 0.5f);
        var y = new float[g.OutChannels * g.OutHeight * g.OutWidth];
        fixed (ulong* wp = w)
        {
            var kernel = BinaryConvKernel.Create(g, wp, alpha, [], BinaryActivation.None, 0, isa);
            name = kernel.Name;
            var ws = new ulong[kernel.WorkspaceBytes / 8 + 1];
            fixed (ulong* xp = x) fixed (float* yp = y) fixed (ulong* wsp = ws)
            {
                ulong* xs = xp, wss = wsp;
                float* ys = yp;
                return Median(runs, () => kernel.Run(xs, ys, 1, wss, null));
            }
        }
    }

    private static double Median(int runs, Action body)
    {
        body();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            double t0 = ThreadClock.Now();
            body();
            times[r] = ThreadClock.Now() - t0;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}

/// <summary>BenchmarkDotNet view of the same comparison (`--filter *BinaryConv*`).</summary>
public unsafe class BinaryConvBenchmarks
{
    [Params(Isa.Vector128, Isa.Vector256)] public Isa Isa;

    [Benchmark] public double Binary3x3() => BinaryReport.BinarySeconds(BinaryReport.Shape, Isa, 1, out _);
}
