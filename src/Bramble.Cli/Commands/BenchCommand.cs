using System.CommandLine;
using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Runtime;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble bench MODEL`: load time, latency (median/min/p90 over timed runs after warm-up), peak resident
/// memory, managed heap and managed bytes allocated per run, on seeded random inputs of the bound shapes.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var warmup = new Option<int>("--warmup", "-w") { Description = "Untimed runs first (at least this many, and unless 0 at least one second and until no method was compiled for half a second)", DefaultValueFactory = _ => 3 };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed runs", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object" };
        Validation.AtLeast(warmup, 0);
        Validation.AtLeast(iterations, 1);
        var command = new Command("bench", "Measure load time, latency and memory on random inputs");
        args.AddTo(command);
        command.Options.Add(warmup);
        command.Options.Add(iterations);
        command.Options.Add(json);
        command.SetAction(parsed =>
        {
            using var open = args.Open(parsed, context);
            var result = Measure(open, parsed.GetValue(warmup), parsed.GetValue(iterations));
            if (parsed.GetValue(json)) WriteJson(context.Out, open, result);
            else WriteTable(context, open, result);
            return Cli.ExitOk;
        });
        return command;
    }

    internal sealed record Result(
        int[][] Shapes, int Warmup, double[] LatenciesMs, long Macs, long ArenaBytes,
        long PeakResidentBytes, long ManagedHeapBytes, long AllocatedBytesPerRun, bool Planned);

    private const double MinWarmupSeconds = 1.0;
    private const double JitQuietSeconds = 0.5;
    private const double MaxWarmupSeconds = 15.0;

    /// <summary>Warm-up is over after a second with no method compiled in the last half (or after 15 s regardless).</summary>
    private static bool Settled(long warmStart, long lastCompile)
    {
        double elapsed = Stopwatch.GetElapsedTime(warmStart).TotalSeconds;
        return elapsed >= MaxWarmupSeconds
            || (elapsed >= MinWarmupSeconds && Stopwatch.GetElapsedTime(lastCompile).TotalSeconds >= JitQuietSeconds);
    }

    private static Result Measure(OpenModel open, int warmup, int iterations)
    {
        var shapes = open.RequireBoundShapes();
        var random = new Random(InputFactory.Seed);
        var inputs = new NamedTensor[shapes.Length];
        for (int i = 0; i < shapes.Length; i++)
            inputs[i] = new NamedTensor(open.Inputs[i].Name, InputFactory.Random(open.Inputs[i], shapes[i], random));
        var plan = open.Session.PlanFor(shapes);
        // With a static plan, run into preallocated outputs: the zero-allocation path real callers use.
        NamedTensor[] outputs = plan == null ? [] : plan.GraphOutputIds
            .Select(id => new NamedTensor(plan.Values[id].Name, Tensor.Allocate(plan.Values[id].Type, plan.Values[id].Shape)))
            .ToArray();
        try
        {
            var byName = inputs.ToDictionary(n => n.Name, n => n.Tensor);
            void RunOnce()
            {
                if (plan != null)
                {
                    open.Session.Run(inputs, outputs);
                    return;
                }
                foreach (var t in open.Session.Run(byName).Values) t.Dispose();
            }

            // Warm up for at least the given runs and one second, then until the JIT has been quiet for a while:
            // .NET promotes hot methods to optimised code only after ~30 calls plus a background compile, so early
            // runs time tier-0 code, and at two threads the compile thread also takes a core from the workers.
            long warmStart = Stopwatch.GetTimestamp();
            long lastCompile = warmStart;
            long compiled = JitInfo.GetCompiledMethodCount();
            int warmed = 0;
            while (warmed < warmup || (warmup > 0 && !Settled(warmStart, lastCompile)))
            {
                RunOnce();
                warmed++;
                long now = JitInfo.GetCompiledMethodCount();
                if (now != compiled) (compiled, lastCompile) = (now, Stopwatch.GetTimestamp());
            }
            warmup = warmed;
            var latencies = new double[iterations];
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                long start = Stopwatch.GetTimestamp();
                RunOnce();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            long allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / iterations;
            return new Result(shapes, warmup, latencies, plan?.TotalMacs ?? 0, plan?.ArenaBytes ?? 0,
                MemoryStats.PeakResidentBytes(), GC.GetTotalMemory(false), allocated, plan != null);
        }
        finally
        {
            foreach (var n in inputs) n.Tensor.Dispose();
            foreach (var n in outputs) n.Tensor.Dispose();
        }
    }

    internal static double Percentile(double[] values, double p)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        // Nearest-rank on the sorted sample; with 20 runs p90 is the 18th fastest.
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    internal static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void WriteTable(CliContext context, OpenModel open, Result r)
    {
        var options = open.Session.Options;
        var console = context.Console;
        console.WriteLine($"Model: {open.Path}");
        console.WriteLine($"Inputs: {string.Join(", ", open.Inputs.Select((input, i) => $"{input.Name}={string.Join("x", r.Shapes[i])}"))}" +
            $"   threads: {options.Threads}   ISA: {options.EffectiveIsa}{(options.ReferenceKernels ? " (reference kernels)" : "")}");
        var table = new Table().AddColumns("metric", "value");
        void Row(string metric, string value) => table.AddRow(InfoCommand.Cells(metric, value));
        Row("load + plan", Format.Ms(open.LoadMilliseconds) + " ms");
        Row("latency median", Format.Ms(Median(r.LatenciesMs)) + " ms");
        Row("latency min", Format.Ms(r.LatenciesMs.Min()) + " ms");
        Row("latency p90", Format.Ms(Percentile(r.LatenciesMs, 90)) + " ms");
        Row("runs", $"{r.LatenciesMs.Length} timed after {r.Warmup} warm-up");
        if (r.Planned)
        {
            Row("MACs per run", Format.Count(r.Macs));
            Row("throughput", (r.Macs / (Median(r.LatenciesMs) * 1e6)).ToString("0.00") + " GMAC/s");
            Row("arena", Format.Bytes(r.ArenaBytes));
        }
        else
        {
            Row("execution", "dynamic (shapes depend on run-time values)");
        }
        Row("peak resident memory", Format.Bytes(r.PeakResidentBytes));
        Row("managed heap", Format.Bytes(r.ManagedHeapBytes));
        Row("managed allocations per run", Format.Bytes(r.AllocatedBytesPerRun));
        console.Write(table);
    }

    private static void WriteJson(TextWriter output, OpenModel open, Result r)
    {
        var options = open.Session.Options;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", open.Path);
            json.WriteStartObject("inputs");
            for (int i = 0; i < r.Shapes.Length; i++)
            {
                json.WriteStartArray(open.Inputs[i].Name);
                foreach (int d in r.Shapes[i]) json.WriteNumberValue(d);
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteNumber("threads", options.Threads);
            json.WriteString("isa", options.EffectiveIsa.ToString());
            json.WriteBoolean("reference_kernels", options.ReferenceKernels);
            json.WriteNumber("load_ms", open.LoadMilliseconds);
            json.WriteNumber("warmup", r.Warmup);
            json.WriteNumber("iterations", r.LatenciesMs.Length);
            json.WriteNumber("latency_median_ms", Median(r.LatenciesMs));
            json.WriteNumber("latency_min_ms", r.LatenciesMs.Min());
            json.WriteNumber("latency_p90_ms", Percentile(r.LatenciesMs, 90));
            json.WriteNumber("latency_mean_ms", r.LatenciesMs.Average());
            json.WriteStartArray("latencies_ms");
            foreach (var l in r.LatenciesMs) json.WriteNumberValue(l);
            json.WriteEndArray();
            json.WriteBoolean("planned", r.Planned);
            json.WriteNumber("macs", r.Macs);
            json.WriteNumber("arena_bytes", r.ArenaBytes);
            json.WriteNumber("peak_resident_bytes", r.PeakResidentBytes);
            json.WriteNumber("managed_heap_bytes", r.ManagedHeapBytes);
            json.WriteNumber("managed_allocated_bytes_per_run", r.AllocatedBytesPerRun);
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
