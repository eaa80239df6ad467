using System.Diagnostics;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `winograd-model MODEL [threads] [iterations] [N C H W]`: one model with streamed Winograd on (layers over the
/// memory allowance transform their filters per run) and off (they take the implicit GEMM), both sessions open,
/// runs alternating so machine load hits both alike; medians of wall time and of process CPU time per run.
/// </summary>
public static class WinogradModelReport
{
    public static void Run(string[] args)
    {
        string path = args[1];
        int threads = args.Length > 2 ? int.Parse(args[2]) : 1;
        int iterations = args.Length > 3 ? int.Parse(args[3]) : 5;
        int[]? shape = args.Length >= 8 ? [int.Parse(args[4]), int.Parse(args[5]), int.Parse(args[6]), int.Parse(args[7])] : null;
        using var model = Bramble.Import.ModelLoader.Load(path);
        var input = model.Graph.RealInputs.First();
        shape ??= input.Shape!.Select(d => d.IsFixed ? (int)d.Value : 1).ToArray();
        using var x = Tensor.Allocate(DataType.Float32, shape);
        var rng = new Random(1);
        var span = x.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble();
        var inputs = new Dictionary<string, Tensor> { [input.Name] = x };
        using var on = new InferenceSession(path, new SessionOptions { Threads = threads, WinogradStreaming = true });
        using var off = new InferenceSession(path, new SessionOptions { Threads = threads, WinogradStreaming = false });
        var sessions = new[] { on, off };
        var wall = new double[2][];
        var cpu = new double[2][];
        for (int s = 0; s < 2; s++) { wall[s] = new double[iterations]; cpu[s] = new double[iterations]; }
        var process = Process.GetCurrentProcess();
        for (int r = -1; r < iterations; r++)
            for (int s = 0; s < 2; s++)
            {
                process.Refresh();
                var c0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                var outputs = sessions[s].Run(inputs);
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                process.Refresh();
                double cpuMs = (process.TotalProcessorTime - c0).TotalMilliseconds;
                foreach (var o in outputs.Values) o.Dispose();
                if (r >= 0) { wall[s][r] = ms; cpu[s][r] = cpuMs; }
            }
        Console.WriteLine($"{Path.GetFileName(path)} threads {threads}, {iterations} alternating runs, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        string[] names = ["streamed winograd", "implicit gemm (old)"];
        for (int s = 0; s < 2; s++)
            Console.WriteLine($"  {names[s],-20} wall median {Median(wall[s]),8:F1} ms   cpu median {Median(cpu[s]),8:F1} ms");
        Console.WriteLine($"  speedup wall x{Median(wall[1]) / Median(wall[0]):F2}  cpu x{Median(cpu[1]) / Median(cpu[0]):F2}");
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
