using System.Diagnostics;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `scaling MODEL.onnx [N C H W] [rounds]`: per-node 1-thread vs 2-thread time of one model, from two sessions in
/// one process profiled alternately, one run each per round. A shared machine preempts runs at random, so each
/// node's MINIMUM over the rounds is reported (the run where nothing interfered), with the whole run's minimum
/// beside it. Nodes are listed by time lost to imperfect scaling (t2 − t1/2), worst first.
/// </summary>
public static class ThreadScalingReport
{
    public static void Run(string[] args)
    {
        string path = args[1];
        int[] shape = args.Length >= 6 ? [int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5])] : [1, 3, 224, 224];
        int rounds = args.Length >= 7 ? int.Parse(args[6]) : 15;
        int top = args.Length >= 8 ? int.Parse(args[7]) : 25;
        using var one = new InferenceSession(path, new SessionOptions { Threads = 1 });
        using var two = new InferenceSession(path, new SessionOptions { Threads = 2 });
        var model = Bramble.Import.ModelLoader.Load(path);
        string input = model.Graph.RealInputs.First().Name;
        using var x = Tensor.Allocate(DataType.Float32, shape);
        var rng = new Random(1);
        var span = x.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble();
        var inputs = new Dictionary<string, Tensor> { [input] = x };

        // Warm up past tiered compilation on both sessions.
        for (var sw = Stopwatch.StartNew(); sw.ElapsedMilliseconds < 1500;) { one.Run(inputs); two.Run(inputs); }
        var names = one.Profile(inputs, iterations: 1, warmup: 0);
        var min1 = Enumerable.Repeat(double.MaxValue, names.Nodes.Count).ToArray();
        var min2 = Enumerable.Repeat(double.MaxValue, names.Nodes.Count).ToArray();
        double run1 = double.MaxValue, run2 = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            var a = one.Profile(inputs, iterations: 1, warmup: 0);
            var b = two.Profile(inputs, iterations: 1, warmup: 0);
            for (int i = 0; i < min1.Length; i++)
            {
                min1[i] = Math.Min(min1[i], a.Nodes[i].Milliseconds[0]);
                min2[i] = Math.Min(min2[i], b.Nodes[i].Milliseconds[0]);
            }
            run1 = Math.Min(run1, a.UnprofiledRunMilliseconds[0]);
            run2 = Math.Min(run2, b.UnprofiledRunMilliseconds[0]);
        }
        double sum1 = min1.Sum(), sum2 = min2.Sum();
        Console.WriteLine($"{Path.GetFileName(path)}: run min t1 {run1:F2} ms, t2 {run2:F2} ms, x{run1 / run2:F2}; " +
                          $"node-min sums t1 {sum1:F2}, t2 {sum2:F2}, x{sum1 / sum2:F2} ({rounds} rounds)");
        var order = Enumerable.Range(0, min1.Length).OrderByDescending(i => min2[i] - min1[i] / 2).Take(top);
        foreach (int i in order)
        {
            var n = names.Nodes[i];
            string name = n.Name.Length > 40 ? n.Name[^40..] : n.Name;
            string kernel = n.Kernel.Length > 44 ? n.Kernel[..44] : n.Kernel;
            Console.WriteLine($"{name,-40} {string.Join('x', n.OutputShape),-14} {kernel,-44} t1 {min1[i],7:F3} t2 {min2[i],7:F3} x{min1[i] / Math.Max(1e-9, min2[i]),4:F2} lost {min2[i] - min1[i] / 2,6:F3}");
        }
        foreach (var g in Enumerable.Range(0, min1.Length).GroupBy(i => names.Nodes[i].Category).OrderByDescending(g => g.Sum(i => min2[i])))
            Console.WriteLine($"  {g.Key,-20} t1 {g.Sum(i => min1[i]),7:F2} t2 {g.Sum(i => min2[i]),7:F2} x{g.Sum(i => min1[i]) / Math.Max(1e-9, g.Sum(i => min2[i])):F2}");
    }
}
