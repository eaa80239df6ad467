using System.CommandLine;
using System.Globalization;
using System.IO.Compression;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Compression.Decomposition;
using Bramble.Compression.Pruning;
using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble prune MODEL --method magnitude|structured --sparsity S | --speedup X [--dataset fashion-mnist] -o out.onnx`:
/// magnitude (unstructured) or structured (filter) pruning, with a per-layer table (sparsity or filters kept, MACs,
/// kernel chosen, time before/after) and whole-model size, latency and accuracy before/after.
/// </summary>
internal static class PruneCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var method = new Option<string>("--method", "-m") { Description = "magnitude (zero small weights) or structured (remove filters)", DefaultValueFactory = _ => "magnitude" };
        method.AcceptOnlyFromAmong("magnitude", "structured");
        var sparsity = new Option<double?>("--sparsity", "-s") { Description = "magnitude: fraction of weights zeroed; structured: fraction of filters removed" };
        var speedup = new Option<double?>("--speedup") { Description = "Aim to divide the pruned layers' MACs by this instead of giving --sparsity" };
        var scope = new Option<string>("--scope") { Description = "magnitude: one threshold per layer or one global threshold", DefaultValueFactory = _ => "layer" };
        scope.AcceptOnlyFromAmong("layer", "global");
        var criterion = new Option<string>("--criterion") { Description = "structured: rank filters by l1, l2 or bn (BatchNormalization |gamma|)", DefaultValueFactory = _ => "l1" };
        criterion.AcceptOnlyFromAmong("l1", "l2", "bn");
        var pruneEnds = new Option<bool>("--prune-ends") { Description = "magnitude: also prune the first and last layers" };
        var finetune = new Option<int>("--finetune") { Description = "Fine-tune the pruned model for this many epochs (needs the training module)" };
        var dataset = new Option<string?>("--dataset") { Description = "Labelled data set for accuracy: fashion-mnist" };
        var evalCount = new Option<int>("--eval-count") { Description = "Test images for accuracy (with --dataset)", DefaultValueFactory = _ => 500 };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed runs per measurement", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the pruned ONNX model", Required = true };
        Validation.AtLeast(evalCount, 1);
        Validation.AtLeast(iterations, 1);
        Validation.AtLeast(finetune, 0);

        var command = new Command("prune", "Magnitude (unstructured) or structured (filter) pruning");
        args.AddTo(command);
        foreach (var o in new Option[] { method, sparsity, speedup, scope, criterion, pruneEnds, finetune, dataset, evalCount, iterations, output })
            command.Options.Add(o);
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(finetune) > 0)
                throw new CliUsageException("--finetune needs the training module, which this build does not include yet");
            bool structured = parsed.GetValue(method) == "structured";
            double amount = Amount(parsed.GetValue(sparsity), parsed.GetValue(speedup), structured);
            var (path, model) = args.LoadModel(parsed, context);
            using var _ = model;
            var session = new SessionOptions
            {
                Threads = parsed.GetValue(args.Threads),
                MaxIsa = Kernels.CpuFeatures.Parse(parsed.GetValue(args.Isa) ?? "best"),
                ReferenceKernels = parsed.GetValue(args.ReferenceKernels),
                InputShapes = args.InputShapes(parsed, model),
            };
            using var data = LoadData(parsed, model, session, dataset, evalCount);
            int timed = parsed.GetValue(iterations);
            var before = Measure(model, data, session, timed);

            List<Row> rows;
            if (structured)
            {
                var crit = parsed.GetValue(criterion) switch { "l2" => FilterCriterion.L2, "bn" => FilterCriterion.BnScale, _ => FilterCriterion.L1 };
                rows = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = amount, Criterion = crit })
                    .Select(r => new Row(r.Node, $"{r.FiltersKept}/{r.FiltersBefore} filters", r.Note)).ToList();
            }
            else
            {
                var options = new MagnitudePruningOptions
                {
                    Sparsity = amount,
                    Scope = parsed.GetValue(scope) == "global" ? PruningScope.Global : PruningScope.PerLayer,
                    ExemptFirst = !parsed.GetValue(pruneEnds),
                    ExemptLast = !parsed.GetValue(pruneEnds),
                };
                rows = MagnitudePruning.Apply(model, options)
                    .Select(r => new Row(r.Node, $"{Pct(r.SparsityBefore)} -> {Pct(r.SparsityAfter)}", r.Note)).ToList();
            }
            string outPath = parsed.GetValue(output)!;
            OnnxWriter.Save(model, outPath, new OnnxWriteOptions { SparseInitializers = true });
            var after = Measure(model, data, session, timed);
            WriteReport(context, path, outPath, structured, amount, rows, before, after);
            return Cli.ExitOk;
        });
        return command;
    }

    private sealed record Row(string Layer, string Kept, string Note);

    private sealed record Metrics(Dictionary<string, NodeProfile> Nodes, double LatencyMs, long Macs, long WeightBytes, double? Accuracy);

    /// <summary>--speedup X: structured pruning of a fraction f of every chained layer's filters divides MACs by about 1/(1−f)²; unstructured by 1/(1−s).</summary>
    private static double Amount(double? sparsity, double? speedup, bool structured)
    {
        if ((sparsity != null) == (speedup != null)) throw new CliUsageException("give exactly one of --sparsity, --speedup");
        if (sparsity is double s)
        {
            if (!(s >= 0 && s < 1)) throw new CliUsageException($"--sparsity {s.ToString(Invariant)}: expected a fraction in [0, 1)");
            return s;
        }
        double x = speedup!.Value;
        if (!(x >= 1 && x <= 100)) throw new CliUsageException($"--speedup {x.ToString(Invariant)}: expected a factor in [1, 100]");
        return structured ? 1 - 1 / Math.Sqrt(x) : Math.Min(0.99, 1 - 1 / x);
    }

    private static CalibrationSet LoadData(ParseResult parsed, Model model, SessionOptions session, Option<string?> dataset, Option<int> evalCount)
    {
        var inputs = model.Graph.RealInputs.ToList();
        if (inputs.Count != 1) throw new CliUsageException($"prune needs a single-input model; this one has {inputs.Count} inputs");
        var input = inputs[0];
        if (parsed.GetValue(dataset) is string name)
        {
            if (!name.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"--dataset '{name}' is not known (available: fashion-mnist)");
            return IdxCalibration.FashionMnist(input.Name, train: false, parsed.GetValue(evalCount));
        }
        int[] shape = session.InputShapes.TryGetValue(input.Name, out var bound) ? bound : input.StaticShape
            ?? throw new CliUsageException($"input '{input.Name}' has shape {input.ShapeText}: bind it with --shape {input.Name}=1x...");
        return CalibrationSet.Random(input.Name, shape, 1);
    }

    private static Metrics Measure(Model model, CalibrationSet data, SessionOptions options, int iterations)
    {
        using var session = new InferenceSession(model, options);
        var first = new Dictionary<string, Tensor> { [data.InputName] = data.Inputs[0] };
        var profile = session.Profile(first, iterations);
        var nodes = new Dictionary<string, NodeProfile>();
        foreach (var n in profile.Nodes) nodes.TryAdd(n.Name, n);
        var (ms, macs) = DecompositionEvaluator.Latency(model, first, options, iterations);
        double? accuracy = null;
        if (data.Labels != null)
        {
            var outputs = new List<float[]>();
            foreach (var x in data.Inputs)
            {
                var result = session.Run(new Dictionary<string, Tensor> { [data.InputName] = x });
                outputs.Add(result[session.OutputMetadata[0].Name].AsReadOnlySpan<float>().ToArray());
                foreach (var t in result.Values) t.Dispose();
            }
            accuracy = DecompositionEvaluator.Accuracy(outputs, data.Labels);
        }
        return new Metrics(nodes, ms, macs, model.Graph.WeightBytes, accuracy);
    }

    private static void WriteReport(CliContext context, string path, string output, bool structured, double amount, List<Row> rows, Metrics before, Metrics after)
    {
        var console = context.Console;
        console.WriteLine($"Model: {path} -> {output}   method: {(structured ? "structured" : "magnitude")} {(structured ? "filters removed" : "sparsity")} {Pct(amount)}");
        var table = new Table().AddColumns("layer", structured ? "filters kept" : "sparsity", "MACs before", "MACs after", "kernel", "ms before", "ms after", "note");
        foreach (var r in rows)
        {
            before.Nodes.TryGetValue(r.Layer, out var b);
            after.Nodes.TryGetValue(r.Layer, out var a);
            table.AddRow(InfoCommand.Cells(r.Layer, r.Kept, b == null ? "-" : Format.Count(b.Macs), a == null ? "-" : Format.Count(a.Macs),
                a?.Kernel ?? "-", b == null ? "-" : Format.Ms(b.MedianMs), a == null ? "-" : Format.Ms(a.MedianMs), r.Note));
        }
        console.Write(table);
        var summary = new Table().AddColumns("", "before", "after", "ratio");
        void Add(string name, string b, string a, string ratio) => summary.AddRow(InfoCommand.Cells(name, b, a, ratio));
        Add("MACs (as run)", Format.Count(before.Macs), Format.Count(after.Macs), Ratio(before.Macs, after.Macs));
        Add("latency ms (median)", Format.Ms(before.LatencyMs), Format.Ms(after.LatencyMs), Ratio(before.LatencyMs, after.LatencyMs));
        Add("weights (dense bytes)", Format.Bytes(before.WeightBytes), Format.Bytes(after.WeightBytes), Ratio(before.WeightBytes, after.WeightBytes));
        long file = new FileInfo(output).Length;
        Add("output file (sparse where smaller) / gzip", "", $"{Format.Bytes(file)} / {Format.Bytes(GzipSize(output))}", Ratio(before.WeightBytes, file));
        if (before.Accuracy is double a0 && after.Accuracy is double a1)
            Add("top-1 accuracy", Pct(a0), Pct(a1), ((a1 - a0) * 100).ToString("+0.00;-0.00", Invariant) + " pt");
        console.Write(summary);
    }

    // Zeroed weights compress well even when stored dense: the gzip size shows what sparsity saves on disk.
    private static long GzipSize(string file)
    {
        using var counter = new MemoryStream();
        using (var gzip = new GZipStream(counter, CompressionLevel.Optimal, leaveOpen: true))
        using (var source = File.OpenRead(file))
            source.CopyTo(gzip);
        return counter.Length;
    }

    private static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.0", Invariant) + "%" : "-";
    private static string Ratio(double before, double after) => after > 0 && double.IsFinite(before) ? (before / after).ToString("0.00", Invariant) + "x" : "-";
}
