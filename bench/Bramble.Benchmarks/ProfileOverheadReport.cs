using System.Globalization;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Benchmarks;

/// <summary>
/// `profile-overhead MODEL [name=]NxCxHxW [threads...] [--pairs N] [--rounds R]`: what the profiler costs and how
/// well its node times account for a run. Each round is one <see cref="InferenceSession.Profile"/> call, which
/// alternates unprofiled and profiled runs (N pairs) under the same machine load. Per round it prints the
/// typical unprofiled and profiled run times, the paired recording overhead (which bounds the cost of profiling when
/// off: that path only tests one null per node), node times of the typical run against the typical
/// unprofiled run (both: mean of the middle half of runs), the runtime's time between nodes, and the sum of
/// per-node medians for comparison.
/// MODEL may be a Darknet .cfg with its .weights beside it.
/// </summary>
public static class ProfileOverheadReport
{
    public static void Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: profile-overhead MODEL [name=]NxCxHxW [threads...] [--pairs N] [--rounds R]");
            return;
        }
        string path = args[1];
        string shapeSpec = args[2];
        var threadCounts = new List<int>();
        int pairs = 10, rounds = 3;
        for (int i = 3; i < args.Length; i++)
        {
            if (args[i] == "--pairs") pairs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--rounds") rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else threadCounts.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
        }
        if (threadCounts.Count == 0) threadCounts.Add(1);

        int eq = shapeSpec.IndexOf('=');
        int[] shape = shapeSpec[(eq + 1)..].Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        Console.WriteLine($"{Path.GetFileName(path)} {string.Join("x", shape)}: {pairs} pairs per round");
        Console.WriteLine($"{"threads",7} {"round",5} {"unprof ms",10} {"prof ms",9} {"overhead",9} {"nodes ms",9} {"nodes/unprof",12} {"between ms",10} {"medians/unprof",14}");
        foreach (int threads in threadCounts)
        {
            using var session = new InferenceSession(path, new SessionOptions { Threads = threads });
            string input = eq > 0 ? shapeSpec[..eq] : session.InputMetadata[0].Name;
            if (eq <= 0 && session.InputMetadata.Count != 1) throw new ArgumentException("name the input: name=NxCxHxW");
            using var x = Tensor.Allocate(DataType.Float32, shape);
            var rng = new Random(1);
            var span = x.AsSpan<float>();
            for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble();
            var feeds = new Dictionary<string, Tensor> { [input] = x };
            var overheads = new List<double>();
            var coverage = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                var r = session.Profile(feeds, pairs, warmup: round == 0 ? 2 : 0);
                double plain = r.TypicalUnprofiledMs;
                overheads.Add(r.ProfilingOverhead);
                coverage.Add(r.NodeTotalMs / plain);
                Console.WriteLine(FormattableString.Invariant(
                    $"{threads,7} {round,5} {plain,10:F2} {r.TypicalRunMs,9:F2} {r.ProfilingOverhead * 100,8:F1}% {r.NodeTotalMs,9:F2} {r.NodeTotalMs / plain * 100,11:F1}% {r.BetweenNodesMs,10:F3} {r.NodeMedianTotalMs / plain * 100,13:F1}%"));
            }
            Console.WriteLine(FormattableString.Invariant(
                $"{threads,7} {"median",5} {"",10} {"",9} {Statistics.Median(overheads) * 100,8:F1}% {"",9} {Statistics.Median(coverage) * 100,11:F1}%"));
        }
    }
}
