using System.CommandLine;
using System.Globalization;
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
/// `bramble prune MODEL --method magnitude|structured --sparsity S | --speedup X [--finetune EPOCHS --dataset fashion-mnist]
/// [--schedule gradual] -o out.onnx`: magnitude (unstructured) or structured (filter) pruning, optionally fine-tuned
/// (pruned weights held at zero by the training mask hooks; a gradual schedule prunes in steps with fine-tuning
/// between them), with a per-layer table (sparsity or filters kept, MACs, kernel chosen, time before/after) and
/// whole-model size, latency and top-1 before / after pruning / after fine-tuning.
/// </summary>
internal static class PruneCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var tuning = new FineTuneArgs();
        var method = new Option<string>("--method", "-m") { Description = "magnitude (zero small weights) or structured (remove filters)", DefaultValueFactory = _ => "magnitude" };
        method.AcceptOnlyFromAmong("magnitude", "structured");
        var sparsity = new Option<double?>("--sparsity") { Description = "magnitude: fraction of weights zeroed; structured: fraction of filters removed" };
        var speedup = new Option<double?>("--speedup") { Description = "magnitude: divide the pruned layers' weights by this; structured: divide whole-model MACs by this" };
        var scope = new Option<string>("--scope") { Description = "magnitude: one threshold per layer or one global threshold", DefaultValueFactory = _ => "layer" };
        scope.AcceptOnlyFromAmong("layer", "global");
        var criterion = new Option<string>("--criterion") { Description = "structured: rank filters by l1, l2 or bn (BatchNormalization |gamma|)", DefaultValueFactory = _ => "l1" };
        criterion.AcceptOnlyFromAmong("l1", "l2", "bn");
        var pruneEnds = new Option<bool>("--prune-ends") { Description = "magnitude: also prune the first and last layers (exempt by default)" };
        var pruneDepthwise = new Option<bool>("--prune-depthwise") { Description = "magnitude: also prune depthwise convolutions (exempt by default: few weights, each one a channel's only path)" };
        var schedule = new Option<string>("--schedule") { Description = "magnitude with --finetune: one-shot (prune, then fine-tune) or gradual (prune in --steps steps, fine-tuning between)", DefaultValueFactory = _ => "one-shot" };
        schedule.AcceptOnlyFromAmong("one-shot", "gradual");
        var steps = new Option<int>("--steps") { Description = "Steps of the gradual schedule (the training images are split between them)", DefaultValueFactory = _ => 4 };
        var dataset = new Option<string?>("--dataset") { Description = "Labelled data for accuracy and fine-tuning: " + DatasetArgs.Description };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed runs per measurement", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the pruned ONNX model", Required = true };
        Validation.AtLeast(iterations, 1);
        Validation.AtLeast(steps, 2);

        var command = new Command("prune", "Magnitude (unstructured) or structured (filter) pruning, optionally fine-tuned");
        args.AddTo(command);
        foreach (var o in new Option[] { method, sparsity, speedup, scope, criterion, pruneEnds, pruneDepthwise, schedule, steps, dataset, iterations, output })
            command.Options.Add(o);
        tuning.AddTo(command);
        command.SetAction(parsed =>
        {
            bool structured = parsed.GetValue(method) == "structured";
            bool gradual = parsed.GetValue(schedule) == "gradual";
            double amount = Amount(parsed.GetValue(sparsity), parsed.GetValue(speedup), structured);
            if (gradual && (structured || tuning.EpochCount(parsed) == 0))
                throw new CliUsageException("--schedule gradual needs --method magnitude and --finetune EPOCHS (it fine-tunes between pruning steps)");
            var (path, model) = args.LoadModel(parsed, context);
            using var _ = model;
            var session = new SessionOptions
            {
                Threads = parsed.GetValue(args.Threads),
                MaxIsa = Kernels.CpuFeatures.Parse(parsed.GetValue(args.Isa) ?? "best"),
                ReferenceKernels = parsed.GetValue(args.ReferenceKernels),
                InputShapes = args.InputShapes(parsed, model),
            };
            var input = SingleInput(model);
            var data = tuning.Load(parsed, parsed.GetValue(dataset), input);
            using var latencyInput = LatencyInput(input, data, session);
            var probe = new Dictionary<string, Tensor> { [input.Name] = latencyInput };
            int timed = parsed.GetValue(iterations);
            var before = Measure(model, probe, session, timed);
            double? top1Before = data == null ? null : FineTuneArgs.Accuracy(context, model, data.Test, session, "before pruning");

            using var pruned = model.CloneStructure();
            List<Row> rows;
            List<PruningLayerReport> magnitudeReport = [];
            string setting;
            var magnitude = new MagnitudePruningOptions
            {
                Sparsity = amount,
                Scope = parsed.GetValue(scope) == "global" ? PruningScope.Global : PruningScope.PerLayer,
                ExemptFirst = !parsed.GetValue(pruneEnds),
                ExemptLast = !parsed.GetValue(pruneEnds),
                ExemptDepthwise = !parsed.GetValue(pruneDepthwise),
            };
            if (structured)
            {
                var crit = parsed.GetValue(criterion) switch { "l2" => FilterCriterion.L2, "bn" => FilterCriterion.BnScale, _ => FilterCriterion.L1 };
                List<StructuredLayerReport> report;
                if (parsed.GetValue(speedup) is double x)
                {
                    (report, amount) = StructuredPruning.ApplyForSpeedup(pruned, x, crit, m => DecompositionEvaluator.Latency(m, probe, session, 1).Macs);
                    context.Out.WriteLine($"structured: removing {Pct(amount)} of each prunable layer's filters divides MACs by {x.ToString("0.##", Invariant)} (or as close as the prunable layers allow)");
                }
                else report = StructuredPruning.Apply(pruned, new StructuredPruningOptions { Fraction = amount, Criterion = crit });
                rows = report.Select(r => new Row(r.Node, $"{r.FiltersKept}/{r.FiltersBefore} filters", r.Note)).ToList();
                setting = $"{Pct(amount)} filters";
            }
            else
            {
                magnitudeReport = MagnitudePruning.Apply(pruned, magnitude);
                rows = MagnitudeRows(magnitudeReport);
                setting = $"{Pct(amount)} sparsity";
            }
            double? top1Pruned = data == null ? null : FineTuneArgs.Accuracy(context, pruned, data.Test, session, "after pruning");

            Model? tuned = null;
            double? top1Tuned = null;
            int epochs = tuning.EpochCount(parsed);
            try
            {
                if (epochs > 0)
                {
                    var options = tuning.TrainOptions(parsed, session.Threads);
                    if (gradual)
                    {
                        int n = parsed.GetValue(steps);
                        context.Out.WriteLine($"Gradual pruning: {n} steps to {Pct(amount)}, fine-tuning {options.Epochs} epoch(s) on each 1/{n} of {data!.Train.Count:N0} images");
                        (tuned, var report) = PruningFineTune.Magnitude(model, magnitude, n, data.Train, options,
                            s => context.Out.WriteLine($"step {s.Step}/{s.Steps}: sparsity {Pct(s.Sparsity)}, fine-tuning on {s.Images:N0} images"),
                            FineTuneArgs.Progress(context, options.Epochs));
                        rows = MagnitudeRows(report);
                        setting += $", gradual {n} steps";
                    }
                    else
                    {
                        var keepZeros = magnitudeReport.Where(r => !r.Exempt).Select(r => r.Weight).Distinct().ToList();
                        tuned = FineTuneArgs.Tune(context, pruned, data!, options, model, keepZeros);
                        // Sparsity measured again on the fine-tuned weights: shows that the masks held.
                        var fineTuned = tuned;
                        if (!structured)
                            rows = MagnitudeRows(magnitudeReport.Select(r => r with { SparsityAfter = PrunableLayer.Sparsity(fineTuned.Graph.Initializers[r.Weight]) }).ToList());
                    }
                    top1Tuned = FineTuneArgs.Accuracy(context, tuned, data!.Test, session, "after fine-tuning");
                }
                var final = tuned ?? pruned;
                string outPath = parsed.GetValue(output)!;
                OnnxWriter.Save(final, outPath, new OnnxWriteOptions { SparseInitializers = true });
                var after = Measure(final, probe, session, timed);
                var (msBefore, msAfter) = PairedLatency.Measure(model, final, probe, session, timed);
                var summary = new CompressionSummary(path, structured ? "structured" : "magnitude", setting, before.Macs, after.Macs, msBefore, msAfter,
                    before.WeightBytes, after.WeightBytes, new FileInfo(outPath).Length, CompressionSummary.GzipSize(outPath), top1Before, top1Pruned, top1Tuned, epochs);
                WriteReport(context, outPath, structured, rows, before, after, summary, PairedLatency.Clock(session));
                if (parsed.GetValue(tuning.Json) is string json) summary.Write(json);
            }
            finally
            {
                tuned?.Dispose();
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private sealed record Row(string Layer, string Kept, string Note);

    private sealed record Metrics(Dictionary<string, NodeProfile> Nodes, long Macs, long WeightBytes);

    private static List<Row> MagnitudeRows(List<PruningLayerReport> report) =>
        report.Select(r => new Row(r.Node, $"{Pct(r.SparsityBefore)} -> {Pct(r.SparsityAfter)}", r.Note)).ToList();

    private static ValueInfo SingleInput(Model model)
    {
        var inputs = model.Graph.RealInputs.ToList();
        if (inputs.Count != 1) throw new CliUsageException($"prune needs a single-input model; this one has {inputs.Count} inputs");
        return inputs[0];
    }

    /// <summary>--speedup X: structured pruning searches the filter fraction for X× fewer MACs; unstructured zeroes 1 − 1/X of the weights.</summary>
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

    /// <summary>Latency is measured at batch 1: on the first test image with --dataset, else on seeded noise of the input's shape.</summary>
    private static Tensor LatencyInput(ValueInfo input, LabelledData? data, SessionOptions session)
    {
        if (data != null) return FineTuneArgs.FirstImage(data.Test);
        int[] shape = session.InputShapes.TryGetValue(input.Name, out var bound) ? bound : input.StaticShape
            ?? throw new CliUsageException($"input '{input.Name}' has shape {input.ShapeText}: bind it with --shape {input.Name}=1x...");
        using var random = CalibrationSet.Random(input.Name, shape, 1);
        return random.Inputs[0].Clone();
    }

    private static Metrics Measure(Model model, Dictionary<string, Tensor> input, SessionOptions options, int iterations)
    {
        using var session = new InferenceSession(model, options);
        var profile = session.Profile(input, iterations);
        var nodes = new Dictionary<string, NodeProfile>();
        foreach (var n in profile.Nodes) nodes.TryAdd(n.Name, n);
        return new Metrics(nodes, profile.TotalMacs, model.Graph.WeightBytes);
    }

    private static void WriteReport(CliContext context, string output, bool structured, List<Row> rows, Metrics before, Metrics after, CompressionSummary s, string clock)
    {
        var console = context.Console;
        console.WriteLine($"Model: {s.Model} -> {output}   method: {s.Method} {s.Setting}");
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
        Add("MACs (as run)", Format.Count(s.MacsBefore), Format.Count(s.MacsAfter), Ratio(s.MacsBefore, s.MacsAfter));
        Add($"latency ms (batch 1, fastest of alternating runs, {clock})", Format.Ms(s.LatencyMsBefore), Format.Ms(s.LatencyMsAfter), Ratio(s.LatencyMsBefore, s.LatencyMsAfter));
        Add("weights (dense bytes)", Format.Bytes(s.WeightBytesBefore), Format.Bytes(s.WeightBytesAfter), Ratio(s.WeightBytesBefore, s.WeightBytesAfter));
        Add("output file (sparse where smaller) / gzip", "", $"{Format.Bytes(s.FileBytes)} / {Format.Bytes(s.GzipBytes)}", Ratio(s.WeightBytesBefore, s.FileBytes));
        if (s.Top1Before is double a0 && s.Top1Compressed is double a1)
            Add("top-1 after pruning", FineTuneArgs.Pct(a0), FineTuneArgs.Pct(a1), Points(a0, a1));
        if (s.Top1Before is double b0 && s.Top1FineTuned is double b1)
            Add($"top-1 after fine-tuning ({s.FineTuneEpochs} epoch(s))", FineTuneArgs.Pct(b0), FineTuneArgs.Pct(b1), Points(b0, b1));
        console.Write(summary);
    }

    internal static string Points(double before, double after) => ((after - before) * 100).ToString("+0.00;-0.00", Invariant) + " pt";

    private static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.0", Invariant) + "%" : "-";
    private static string Ratio(double before, double after) => after > 0 && double.IsFinite(before) ? (before / after).ToString("0.00", Invariant) + "x" : "-";
}
