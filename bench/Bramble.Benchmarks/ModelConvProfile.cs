using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `profile MODEL.onnx [N C H W] [threads]`: per-kernel median time of one model (fast kernels vs reference pools
/// are told apart by kernel name), to show where conv and pool time goes. Short: 1 warm-up + 5 runs.
/// </summary>
public static class ModelConvProfile
{
    public static void Run(string[] args)
    {
        string path = args[1];
        int[] shape = args.Length >= 6 ? [int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5])] : [1, 3, 224, 224];
        int threads = args.Length >= 7 ? int.Parse(args[6]) : 1;
        using var session = new InferenceSession(path, new SessionOptions { Threads = threads });
        var model = Bramble.Import.ModelLoader.Load(path);
        string input = model.Graph.RealInputs.First().Name;
        using var x = Tensor.Allocate(DataType.Float32, shape);
        var rng = new Random(1);
        var span = x.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble();
        var report = session.Profile(new Dictionary<string, Tensor> { [input] = x }, iterations: 5, warmup: 2);
        foreach (var g in report.Nodes.GroupBy(n => $"{n.OpType} [{KernelFamily(n.Kernel)}]").OrderByDescending(g => g.Sum(n => n.MedianMs)))
            Console.WriteLine($"{g.Key,-48} {g.Count(),4} nodes {g.Sum(n => n.MedianMs),9:F2} ms  {2e-6 * g.Sum(n => n.Macs) / Math.Max(1e-9, g.Sum(n => n.MedianMs)),6:F1} GFLOP/s");
        Console.WriteLine($"total {report.NodeTotalMs:F2} ms");
    }

    // "conv implicit-gemm f32_gemm_6x16__v256" → "conv implicit-gemm".
    private static string KernelFamily(string kernel)
    {
        var parts = kernel.Split(' ');
        return parts.Length > 2 ? string.Join(' ', parts[..2]) : kernel;
    }
}
