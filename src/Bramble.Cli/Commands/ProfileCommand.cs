using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble profile MODEL`: where the time and memory go. Per node: op, kernel, output shape, MACs, time in
/// the typical run and median time, share, GFLOP/s, weight and output bytes; the runtime's own time between
/// nodes; totals; time by operator category (like perf report);
/// memory: weights, planned arena, theoretical minimum, peak RSS, managed heap. --trace writes a Chrome
/// trace (one track per worker thread), --json the whole report for programs.
/// </summary>
internal static class ProfileCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var iterations = new Option<int>("--iterations", "-n") { Description = "Profiled runs (each paired with an unprofiled one)", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup", "-w") { Description = "Untimed runs first", DefaultValueFactory = _ => 2 };
        var sort = new Option<string>("--sort") { Description = "Node order: time (slowest first) or order (execution order)", DefaultValueFactory = _ => "time" };
        sort.AcceptOnlyFromAmong("time", "order");
        var top = new Option<int>("--top") { Description = "Show only the first N nodes (0: all)", DefaultValueFactory = _ => 25 };
        var trace = new Option<string>("--trace") { Description = "Write a Chrome trace-event JSON file (Perfetto, chrome://tracing)" };
        var json = new Option<bool>("--json") { Description = "Print the whole report as JSON" };
        Validation.AtLeast(iterations, 1);
        Validation.AtLeast(warmup, 0);
        Validation.AtLeast(top, 0);
        var command = new Command("profile", "Per-node time, MACs and memory of a model, with an optional Chrome trace");
        args.AddTo(command);
        command.Options.Add(iterations);
        command.Options.Add(warmup);
        command.Options.Add(sort);
        command.Options.Add(top);
        command.Options.Add(trace);
        command.Options.Add(json);
        command.SetAction(parsed =>
        {
            using var open = args.Open(parsed, context);
            var report = Profile(open, parsed.GetValue(iterations), parsed.GetValue(warmup));
            string? tracePath = parsed.GetValue(trace);
            if (tracePath != null) WriteTrace(report, tracePath);
            if (parsed.GetValue(json)) WriteJson(context.Out, open, report);
            else WriteTables(context, open, report, parsed.GetValue(sort) == "order", parsed.GetValue(top), tracePath);
            return Cli.ExitOk;
        });
        return command;
    }

    private static ProfileReport Profile(OpenModel open, int iterations, int warmup)
    {
        var shapes = open.RequireBoundShapes();
        var random = new Random(InputFactory.Seed);
        var inputs = new Dictionary<string, Tensor>();
        try
        {
            for (int i = 0; i < shapes.Length; i++)
                inputs[open.Inputs[i].Name] = InputFactory.Random(open.Inputs[i], shapes[i], random);
            return open.Session.Profile(inputs, iterations, warmup);
        }
        finally
        {
            foreach (var t in inputs.Values) t.Dispose();
        }
    }

    private static void WriteTrace(ProfileReport report, string path)
    {
        try
        {
            ChromeTrace.Write(report, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrambleException($"{path}: cannot write trace: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static string Pct(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string G(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static void WriteTables(CliContext context, OpenModel open, ProfileReport r, bool executionOrder, int top, string? tracePath)
    {
        var console = context.Console;
        console.WriteLine($"Model: {open.Path}");
        console.WriteLine($"Inputs: {string.Join(", ", open.Inputs.Select(i => $"{i.Name}={string.Join("x", open.BoundShape(i) ?? [])}"))}" +
            $"   threads: {r.Threads}   ISA: {r.Isa}   runs: {r.RunMilliseconds.Length}");

        var nodes = executionOrder ? r.Nodes.ToList() : r.Nodes.OrderByDescending(n => n.TypicalMs).ToList();
        var shown = top > 0 ? nodes.Take(top).ToList() : nodes;
        var table = new Table().AddColumns("#", "node", "op", "kernel", "output", "MACs", "ms", "median ms", "share", "GFLOP/s", "weights", "output bytes");
        foreach (var n in shown)
            table.AddRow(InfoCommand.Cells(n.Index.ToString(CultureInfo.InvariantCulture), n.Name, n.OpType, n.Kernel, Format.Shape(n.OutputShape),
                Format.Count(n.Macs), Format.Ms(n.TypicalMs), Format.Ms(n.MedianMs), Pct(r.ShareOf(n)), G(n.GFlops), Format.Bytes(n.WeightBytes), Format.Bytes(n.OutputBytes)));
        if (shown.Count < nodes.Count)
        {
            var rest = nodes.Skip(shown.Count).ToList();
            double ms = rest.Sum(n => n.TypicalMs);
            table.AddRow(InfoCommand.Cells("", $"({rest.Count} more nodes)", "", "", "", Format.Count(rest.Sum(n => n.Macs)), Format.Ms(ms),
                Format.Ms(rest.Sum(n => n.MedianMs)), Pct(r.TypicalRunMs > 0 ? ms / r.TypicalRunMs : 0), "", Format.Bytes(rest.Sum(n => n.WeightBytes)),
                Format.Bytes(rest.Sum(n => n.OutputBytes))));
        }
        // The runtime's own time (inputs, view steps, dispatch, timers) is a line of its own, so nodes + this = the run.
        table.AddRow(InfoCommand.Cells("", "runtime overhead (between nodes)", "", "", "", "", Format.Ms(r.BetweenNodesMs), "",
            Pct(r.TypicalRunMs > 0 ? r.BetweenNodesMs / r.TypicalRunMs : 0), "", "", ""));
        double totalGflops = r.TypicalRunMs > 0 ? 2.0 * r.TotalMacs / (r.TypicalRunMs * 1e6) : 0;
        table.AddRow(InfoCommand.Cells("", $"typical run ({r.Nodes.Count} nodes)", "", "", "", Format.Count(r.TotalMacs), Format.Ms(r.TypicalRunMs),
            Format.Ms(r.NodeMedianTotalMs), "100.0%", G(totalGflops), Format.Bytes(r.Nodes.Sum(n => n.WeightBytes)), Format.Bytes(r.Nodes.Sum(n => n.OutputBytes))));
        console.Write(table);
        console.WriteLine($"ms: mean over the typical runs ({r.TypicalRuns.Length} of {r.RunMilliseconds.Length}, the middle half by run time), so nodes and overhead add up to the run; " +
            "median ms: the node's median over all runs (leaves out the runs a preemption hit it, so medians add up to less on a busy machine).");

        var categories = new Table().AddColumns("category", "nodes", "ms", "share", "MACs", "GFLOP/s");
        foreach (var c in r.ByCategory())
            categories.AddRow(InfoCommand.Cells(c.Category, c.Nodes.ToString(CultureInfo.InvariantCulture), Format.Ms(c.Ms), Pct(c.Share),
                Format.Count(c.Macs), G(c.Ms > 0 ? 2.0 * c.Macs / (c.Ms * 1e6) : 0)));
        console.Write(categories);

        var summary = new Table().AddColumns("summary", "value");
        void Row(string k, string v) => summary.AddRow(InfoCommand.Cells(k, v));
        double plain = r.TypicalUnprofiledMs;
        Row("end-to-end median (unprofiled)", $"{Format.Ms(r.MedianUnprofiledMs)} ms (typical: {Format.Ms(plain)} ms)");
        Row("end-to-end median (profiled)", $"{Format.Ms(r.MedianRunMs)} ms (recording costs {Pct(r.ProfilingOverhead)}, paired runs)");
        Row("node times (typical run)", $"{Format.Ms(r.NodeTotalMs)} ms ({Pct(plain > 0 ? r.NodeTotalMs / plain : 0)} of unprofiled)");
        Row("runtime overhead (between nodes)", $"{Format.Ms(r.BetweenNodesMs)} ms ({Pct(plain > 0 ? r.BetweenNodesMs / plain : 0)} of unprofiled)");
        Row("sum of node medians", $"{Format.Ms(r.NodeMedianTotalMs)} ms ({Pct(plain > 0 ? r.NodeMedianTotalMs / plain : 0)} of unprofiled)");
        var m = r.Memory;
        Row("weights", Format.Bytes(m.WeightBytes));
        Row("planned arena (activations + workspace)", Format.Bytes(m.ArenaBytes));
        Row("max live activations", Format.Bytes(m.TheoreticalMinimumActivationBytes));
        Row("theoretical minimum (weights + max live)", Format.Bytes(m.TheoreticalMinimumBytes));
        Row("peak resident memory", Format.Bytes(m.PeakResidentBytes));
        Row("managed heap", Format.Bytes(m.ManagedHeapBytes));
        if (tracePath != null) Row("trace", tracePath + (r.DroppedParts > 0 ? $" ({r.DroppedParts} parallel parts not traced)" : ""));
        console.Write(summary);
    }

    private static void WriteJson(TextWriter output, OpenModel open, ProfileReport r)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", open.Path);
            json.WriteNumber("threads", r.Threads);
            json.WriteString("isa", r.Isa);
            json.WriteNumber("iterations", r.RunMilliseconds.Length);
            json.WriteNumber("run_median_ms", r.MedianRunMs);
            json.WriteNumber("unprofiled_run_median_ms", r.MedianUnprofiledMs);
            json.WriteNumber("typical_run_ms", r.TypicalRunMs);
            json.WriteNumber("typical_unprofiled_run_ms", r.TypicalUnprofiledMs);
            json.WriteNumber("node_total_ms", r.NodeTotalMs);
            json.WriteNumber("node_median_total_ms", r.NodeMedianTotalMs);
            json.WriteNumber("between_nodes_ms", r.BetweenNodesMs);
            json.WriteNumber("profiling_overhead", r.ProfilingOverhead);
            json.WriteNumber("macs", r.TotalMacs);
            json.WriteStartArray("nodes");
            foreach (var n in r.Nodes)
            {
                json.WriteStartObject();
                json.WriteNumber("index", n.Index);
                json.WriteString("name", n.Name);
                json.WriteString("op", n.OpType);
                json.WriteString("kernel", n.Kernel);
                json.WriteString("category", n.Category);
                json.WriteStartArray("output_shape");
                foreach (int d in n.OutputShape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteNumber("macs", n.Macs);
                json.WriteNumber("ms", n.TypicalMs);
                json.WriteNumber("median_ms", n.MedianMs);
                json.WriteNumber("share", r.ShareOf(n));
                json.WriteNumber("gflops", n.GFlops);
                json.WriteNumber("weight_bytes", n.WeightBytes);
                json.WriteNumber("output_bytes", n.OutputBytes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("categories");
            foreach (var c in r.ByCategory())
            {
                json.WriteStartObject();
                json.WriteString("category", c.Category);
                json.WriteNumber("nodes", c.Nodes);
                json.WriteNumber("ms", c.Ms);
                json.WriteNumber("share", c.Share);
                json.WriteNumber("macs", c.Macs);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            var m = r.Memory;
            json.WriteStartObject("memory");
            json.WriteNumber("weight_bytes", m.WeightBytes);
            json.WriteNumber("arena_bytes", m.ArenaBytes);
            json.WriteNumber("max_live_activation_bytes", m.TheoreticalMinimumActivationBytes);
            json.WriteNumber("theoretical_minimum_bytes", m.TheoreticalMinimumBytes);
            json.WriteNumber("peak_resident_bytes", m.PeakResidentBytes);
            json.WriteNumber("managed_heap_bytes", m.ManagedHeapBytes);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
