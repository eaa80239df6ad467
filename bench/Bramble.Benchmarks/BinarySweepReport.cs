using System.Runtime.Intrinsics;
using Bramble.Kernels;
using Bramble.Kernels.Binary;
using Bramble.Kernels.Conv;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// Bit-MACs per cycle of the binary 3×3 convolution of the shape (`binary-sweep [runs]`): the whole planar
/// kernel, against the clock measured by a chain of dependent integer adds (one per cycle) on the same thread, so the
/// figure compares with the instruction-throughput bound of the sweep (256 per cycle for 256-bit vpshufb, 128 for 128-bit).
/// </summary>
public static unsafe class BinarySweepReport
{
    public static void Run(string[] args)
    {
        int runs = args.Length > 1 ? int.Parse(args[1]) : 7;
        double hz = CyclesPerSecond();
        Console.WriteLine($"clock ≈ {hz / 1e9:F2} GHz (dependent-add chain, thread CPU time)");
        var g = BinaryReport.Shape;
        double macs = (double)g.OutChannels * g.InChannels * g.KernelH * g.KernelW * g.OutHeight * g.OutWidth;
        foreach (var isa in new[] { Isa.Vector256, Isa.Vector128 })
        {
            if (isa > CpuFeatures.Best) continue;
            double t = Median(runs, () => TimeKernel(g, isa));
            Console.WriteLine($"  {isa,-10} {t * 1e3,7:F3} ms  {macs / (t * hz),6:F1} bit-MACs/cycle");
            Console.WriteLine($"    sweep alone (L1): {SweepAlone(isa, hz),6:F1} bit-MACs/cycle");
        }
    }

    private static double Median(int runs, Func<double> f)
    {
        var a = new double[runs];
        for (int i = 0; i < runs; i++) a[i] = f();
        Array.Sort(a);
        return a[runs / 2];
    }

    private static double TimeKernel(in ConvGeometry g, Isa isa)
    {
        var rng = new Random(5);
        int words = BitPacked.WordsFor(g.InChannels);
        var x = new ulong[g.InHeight * g.InWidth * words];
        var w = new ulong[g.OutChannels * g.KernelH * g.KernelW * words];
        for (int i = 0; i < x.Length; i++) x[i] = (ulong)rng.NextInt64();
        for (int i = 0; i < w.Length; i++) w[i] = (ulong)rng.NextInt64();
        var alpha = new float[g.OutChannels];
        var y = new float[g.OutChannels * g.OutHeight * g.OutWidth];
        fixed (ulong* xp = x) fixed (ulong* wp = w) fixed (float* yp = y)
        {
            var kernel = BinaryConvKernel.Create(g, wp, alpha, [], BinaryActivation.None, 0, isa);
            using var ws = new NativeBuffer(Math.Max(64, kernel.WorkspaceBytes));
            {
                var wsp = (ulong*)ws.Pointer;
                double best = double.MaxValue;
                for (int r = 0; r < 8; r++)
                {
                    double t0 = ThreadClock.Now();
                    kernel.Run(xp, yp, 1, wsp, null);
                    best = Math.Min(best, ThreadClock.Now() - t0);
                }
                return best;
            }
        }
    }

    /// <summary>The sweep on its own, inputs, operands and sums in L1: its instruction-throughput ceiling.</summary>
    private static double SweepAlone(Isa isa, double hz) => isa == Isa.Vector256
        ? SweepAlone<Vector256<byte>, NibbleLanes256>(hz)
        : SweepAlone<Vector128<byte>, NibbleLanes128>(hz);

    private static double SweepAlone<T, L>(double hz) where T : struct where L : IPlanarLanes<T>
    {
        int v = L.Pixels, tiles = 8, steps = PlanarSweep.MaxChunk<T, L>(), stride = tiles * 2 * v + 8;
        using var x = new NativeBuffer(8192);
        using var operands = new NativeBuffer(steps * PlanarLayout.Block * v);
        using var sums = new NativeBuffer(PlanarLayout.Block * stride * 2);
        using var offsetBuffer = new NativeBuffer(steps * 4);
        using var weightBuffer = new NativeBuffer(steps * PlanarLayout.Block);
        var offsets = (int*)offsetBuffer.Pointer;
        var w = (byte*)weightBuffer.Pointer;
        for (int s = 0; s < steps; s++) offsets[s] = (s * 67) % 4096;
        for (int i = 0; i < steps * PlanarLayout.Block; i++) w[i] = (byte)(i * 7 % 16);
        for (int i = 0; i < 8192; i++) ((byte*)x.Pointer)[i] = (byte)(i * 13 % 16);
        PlanarSweep.BuildOperands<T, L>(w, steps, (byte*)operands.Pointer);
        double best = double.MaxValue;
        const int reps = 400;
        for (int r = 0; r < 60; r++)
        {
            double t0 = ThreadClock.Now();
            for (int k = 0; k < reps; k++)
                PlanarSweep.Sweep<T, L>((byte*)x.Pointer, tiles, offsets, steps, (byte*)operands.Pointer, (ushort*)sums.Pointer, stride);
            best = Math.Min(best, ThreadClock.Now() - t0);
        }
        return (double)reps * tiles * 2 * v * steps * L.StepBits * PlanarLayout.Block / (best * hz);
    }

    /// <summary>Cycles per second of this thread: 8 dependent adds per iteration take 8 cycles whatever the loop costs.</summary>
    private static double CyclesPerSecond()
    {
        const long iterations = 50_000_000;
        double best = 0;
        for (int r = 0; r < 5; r++)
        {
            double t0 = ThreadClock.Now();
            long a = Chain(iterations, r + 1);
            double t = ThreadClock.Now() - t0;
            if (a == 42) Console.Write("");
            best = Math.Max(best, iterations * 8 / t);
        }
        return best;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long Chain(long n, long b)
    {
        long a = 0;
        for (long i = 0; i < n; i++)
        {
            a += b; a ^= i; a += b; a ^= i; a += b; a ^= i; a += b; a ^= i;
        }
        return a;
    }
}
