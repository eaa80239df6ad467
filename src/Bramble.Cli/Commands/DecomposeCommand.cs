using System.CommandLine;
using System.Globalization;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Compression.Decomposition;
using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Vision.Imaging;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble decompose MODEL --method pca|spatial|flatten|svd (--rank|--energy|--speedup|--target-ms) [--finetune EPOCHS --dataset fashion-mnist] -o out.onnx`:
/// low-rank decomposition of conv / FC layers into plain Conv/Gemm nodes, with a per-layer table (rank, MACs,
/// energy kept, measured time, output error) and whole-model MACs, latency, size and top-1 before / after decomposition /
/// after fine-tuning the decomposed model (whose layers are all plain, trainable Conv/Gemm nodes).
/// </summary>
internal static class DecomposeCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var method = new Option<string>("--method", "-m") { Description = "pca, spatial, flatten or svd", DefaultValueFactory = _ => "pca" };
        method.AcceptOnlyFromAmong("pca", "spatial", "flatten", "svd");
        var flattenMode = new Option<string>("--flatten-mode") { Description = "flatten: cp (one CP of the whole kernel) or per-filter (Jin et al.)", DefaultValueFactory = _ => "cp" };
        flattenMode.AcceptOnlyFromAmong("cp", "per-filter");
        var rank = new Option<string[]>("--rank", "-r") { Description = "Rank for every layer (8) or per layer (conv3=16); repeatable", Arity = ArgumentArity.OneOrMore };
        var energy = new Option<double?>("--energy") { Description = "Keep this fraction of each layer's spectrum energy, e.g. 0.95" };
        var speedup = new Option<double?>("--speedup") { Description = "Divide the decomposable layers' cost (--cost) by this (Zhang's rank selection)" };
        var targetMs = new Option<double?>("--target-ms") { Description = "Aim for this measured whole-model latency (ms)" };
        var cost = new Option<string>("--cost") { Description = "What ranks cost: time (each layer and its replacement timed at candidate ranks) or macs", DefaultValueFactory = _ => "time" };
        cost.AcceptOnlyFromAmong("time", "macs");
        var timingBatch = new Option<int>("--timing-batch") { Description = "Batch size layers are timed at for --cost time (0 = the model's); >1 also reports latency at that batch", DefaultValueFactory = _ => 0 };
        var calib = new Option<string?>("--calib") { Description = "Directory of calibration images (.png/.jpg/.ppm) or .npy tensors" };
        var evalDir = new Option<string?>("--eval") { Description = "Directory of evaluation images for cosine and latency (default: the --calib images)" };
        var calibCount = new Option<int>("--calib-count") { Description = "Calibration inputs to use", DefaultValueFactory = _ => 32 };
        var randomCalib = new Option<bool>("--random-calib") { Description = "Calibrate on seeded random inputs (smoke tests only)" };
        var dataset = new Option<string?>("--dataset") { Description = "Labelled data set for calibration and accuracy: fashion-mnist" };
        var evalCount = new Option<int>("--eval-count") { Description = "Test images for accuracy (with --dataset) or --eval images to use", DefaultValueFactory = _ => 1000 };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean subtracted from 0..1 pixels, e.g. 0.485,0.456,0.406" };
        var std = new Option<string?>("--std") { Description = "Per-channel standard deviation, e.g. 0.229,0.224,0.225" };
        var bgr = new Option<bool>("--bgr") { Description = "Feed channels as BGR" };
        var nonlinear = new Option<bool>("--nonlinear") { Description = "pca: reconstruct the post-ReLU response" };
        var asymmetric = new Option<bool>("--asymmetric") { Description = "pca: fit against the already-approximated earlier layers" };
        var samples = new Option<int>("--samples") { Description = "Response vectors sampled per input and layer", DefaultValueFactory = _ => 64 };
        var tuning = new FineTuneArgs();
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed runs per latency measurement", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the decomposed ONNX model", Required = true };
        Validation.AtLeast(calibCount, 1);
        Validation.AtLeast(evalCount, 1);
        Validation.AtLeast(samples, 1);
        Validation.AtLeast(iterations, 1);
        Validation.AtLeast(timingBatch, 0);

        var command = new Command("decompose", "Low-rank decomposition of conv/FC layers (pca, spatial SVD, flattening, FC SVD)");
        args.AddTo(command);
        foreach (var o in new Option[] { method, flattenMode, rank, energy, speedup, targetMs, cost, timingBatch, calib, evalDir, calibCount, randomCalib, dataset, evalCount,
                     mean, std, bgr, nonlinear, asymmetric, samples, iterations, output })
            command.Options.Add(o);
        tuning.AddTo(command);
        command.SetAction(parsed =>
        {
            int drivers = (parsed.GetValue(rank) is { Length: > 0 } ? 1 : 0) + (parsed.GetValue(energy) != null ? 1 : 0)
                + (parsed.GetValue(speedup) != null ? 1 : 0) + (parsed.GetValue(targetMs) != null ? 1 : 0);
            if (drivers != 1) throw new CliUsageException("give exactly one of --rank, --energy, --speedup, --target-ms");
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
            // Calibration runs one sample at a time: a symbolic batch dimension alone is read as 1.
            int[] shape = session.InputShapes.TryGetValue(input.Name, out var bound) ? bound : input.StaticShape ?? BatchOfOne(input)
                ?? throw new CliUsageException($"input '{input.Name}' has shape {input.ShapeText}: bind it with --shape {input.Name}=1x...");
            session.InputShapes[input.Name] = shape;
            var labelled = tuning.Load(parsed, parsed.GetValue(dataset), input);
            var (calibration, evaluation) = LoadData(parsed, input.Name, shape, calib, evalDir, calibCount, randomCalib, dataset, evalCount, mean, std, bgr);
            using var calibrationOwner = calibration;
            using var evaluationOwner = evaluation == calibration ? null : evaluation;
            var options = new DecompositionOptions
            {
                Method = Enum.Parse<DecompositionMethod>(parsed.GetValue(method)!, ignoreCase: true),
                Flatten = parsed.GetValue(flattenMode) == "per-filter" ? FlattenMode.PerFilter : FlattenMode.Cp,
                Energy = parsed.GetValue(energy),
                Speedup = parsed.GetValue(speedup),
                Nonlinear = parsed.GetValue(nonlinear),
                Asymmetric = parsed.GetValue(asymmetric),
                SamplesPerInput = parsed.GetValue(samples),
                Session = session,
                Cost = parsed.GetValue(cost) == "macs" ? RankCost.Macs : RankCost.Time,
                TimingBatch = parsed.GetValue(timingBatch),
            };
            if (options.Cost == RankCost.Time)
                options = options with { Timer = new SessionLayerTimer(options.Method, options.Flatten, session, options.TimingBatch, options.TimingRuns) };
            options = WithRanks(options, parsed.GetValue(rank));
            if ((options.Nonlinear || options.Asymmetric) && options.Method != DecompositionMethod.Pca)
                throw new CliUsageException("--nonlinear and --asymmetric apply to --method pca only");
            int timed = parsed.GetValue(iterations);
            if (parsed.GetValue(targetMs) != null && options.TimingBatch > 1)
                throw new CliUsageException("--target-ms is a latency of the model's own batch: leave --timing-batch unset");
            var result = parsed.GetValue(targetMs) is double target
                ? ForLatency(context, model, options, calibration, target, timed)
                : Decomposer.Run(model, options, calibration);
            using var resultOwner = result;
            var accuracy = labelled == null ? null : Accuracies(context, model, result.Model, labelled, tuning, parsed, session);
            using var tunedOwner = accuracy?.Model;
            string outPath = parsed.GetValue(output)!;
            OnnxWriter.Save(accuracy?.Model ?? result.Model, outPath);
            var evaluationResult = DecompositionEvaluator.Evaluate(model, result, evaluation, session, timed);
            WriteReport(context, path, outPath, options, result, evaluationResult);
            var probe = new Dictionary<string, Tensor> { [calibration.InputName] = calibration.Inputs[0] };
            var paired = PairedLatency.Measure(model, accuracy?.Model ?? result.Model, probe, session, timed);
            context.Out.WriteLine($"latency (batch 1, fastest of alternating runs, {PairedLatency.Clock(session)}): {Format.Ms(paired.BeforeMs)} ms -> {Format.Ms(paired.AfterMs)} ms ({Ratio(paired.BeforeMs, paired.AfterMs)})");
            if (options.TimingBatch > 1) BatchLatency(context, model, accuracy?.Model ?? result.Model, calibration, session, options.TimingBatch, timed);
            var summary = Summary(path, outPath, options, parsed, evaluationResult, accuracy, paired);
            if (accuracy != null) WriteAccuracy(context, summary);
            if (parsed.GetValue(tuning.Json) is string json) summary.Write(json);
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>Top-1 on the test images before and after decomposition and, with --finetune, after fine-tuning the decomposed model.</summary>
    private sealed record TunedResult(Model? Model, double Before, double Decomposed, double? FineTuned, int Epochs);

    private static TunedResult Accuracies(CliContext context, Model original, Model decomposed, LabelledData data, FineTuneArgs tuning,
        ParseResult parsed, SessionOptions session)
    {
        double before = FineTuneArgs.Accuracy(context, original, data.Test, session, "before decomposition");
        double after = FineTuneArgs.Accuracy(context, decomposed, data.Test, session, "after decomposition");
        int epochs = tuning.EpochCount(parsed);
        if (epochs == 0) return new TunedResult(null, before, after, null, 0);
        // Every layer, the new factor pairs included, is a plain Conv/Gemm: all of them train.
        var tuned = FineTuneArgs.Tune(context, decomposed, data, tuning.TrainOptions(parsed, session.Threads), original);
        try
        {
            return new TunedResult(tuned, before, after, FineTuneArgs.Accuracy(context, tuned, data.Test, session, "after fine-tuning"), epochs);
        }
        catch
        {
            tuned.Dispose();
            throw;
        }
    }

    private static CompressionSummary Summary(string path, string outPath, DecompositionOptions options, ParseResult parsed, DecompositionEvaluation e, TunedResult? accuracy,
        (double BeforeMs, double AfterMs) latency)
    {
        string setting = parsed.GetValue<double?>("--speedup") is double x ? $"{x.ToString("0.##", Invariant)}x {(options.Cost == RankCost.Time ? "time" : "MACs")}"
            : parsed.GetValue<double?>("--energy") is double en ? $"energy {en.ToString("0.###", Invariant)}"
            : parsed.GetValue<double?>("--target-ms") is double ms ? $"{ms.ToString("0.##", Invariant)} ms" : "rank " + string.Join(",", parsed.GetValue<string[]>("--rank") ?? []);
        string method = options.Method.ToString().ToLowerInvariant() + (options.Nonlinear ? " nonlinear" : "") + (options.Asymmetric ? " asymmetric" : "");
        return new CompressionSummary(path, method, setting, e.Before.Macs, e.After.Macs, latency.BeforeMs, latency.AfterMs,
            e.Before.WeightBytes, e.After.WeightBytes, new FileInfo(outPath).Length, CompressionSummary.GzipSize(outPath),
            accuracy?.Before, accuracy?.Decomposed, accuracy?.FineTuned, accuracy?.Epochs ?? 0);
    }

    private static void WriteAccuracy(CliContext context, CompressionSummary s)
    {
        var table = new Table().AddColumns("top-1 (test images)", "before", "after", "change");
        table.AddRow(InfoCommand.Cells("after decomposition", FineTuneArgs.Pct(s.Top1Before!.Value), FineTuneArgs.Pct(s.Top1Compressed!.Value), PruneCommand.Points(s.Top1Before.Value, s.Top1Compressed.Value)));
        if (s.Top1FineTuned is double t)
            table.AddRow(InfoCommand.Cells($"after fine-tuning ({s.FineTuneEpochs} epoch(s))", FineTuneArgs.Pct(s.Top1Before.Value), FineTuneArgs.Pct(t), PruneCommand.Points(s.Top1Before.Value, t)));
        context.Console.Write(table);
    }

    private static int[]? BatchOfOne(ValueInfo input) =>
        input.Shape is { Length: > 1 } dims && dims.Skip(1).All(d => d.IsFixed) ? [1, .. dims.Skip(1).Select(d => (int)d.Value)] : null;

    private static ValueInfo SingleInput(Model model)
    {
        var inputs = model.Graph.RealInputs.ToList();
        if (inputs.Count != 1) throw new CliUsageException($"decompose needs a single-input model; this one has {inputs.Count} inputs");
        return inputs[0];
    }

    private static DecompositionOptions WithRanks(DecompositionOptions options, string[]? specs)
    {
        if (specs == null || specs.Length == 0) return options;
        var perLayer = new Dictionary<string, int>();
        int? all = null;
        foreach (var spec in specs.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            int eq = spec.LastIndexOf('=');
            string value = eq < 0 ? spec : spec[(eq + 1)..];
            if (!int.TryParse(value, NumberStyles.Integer, Invariant, out int r) || r < 1)
                throw new CliUsageException($"--rank '{spec}': expected a positive integer or LAYER=N");
            if (eq < 0) all = r; else perLayer[spec[..eq]] = r;
        }
        return options with { Rank = all, LayerRanks = perLayer };
    }

    private static (CalibrationSet Calibration, CalibrationSet Evaluation) LoadData(ParseResult parsed, string inputName, int[] shape,
        Option<string?> calib, Option<string?> evalDir, Option<int> calibCount, Option<bool> randomCalib, Option<string?> dataset, Option<int> evalCount,
        Option<string?> mean, Option<string?> std, Option<bool> bgr)
    {
        int count = parsed.GetValue(calibCount);
        var means = Specs.ParseFloats(parsed.GetValue(mean), "--mean");
        var stds = Specs.ParseFloats(parsed.GetValue(std), "--std");
        if (parsed.GetValue(dataset) is string name)
        {
            if (!name.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"--dataset '{name}' is not known (available: fashion-mnist)");
            float m = means?[0] ?? 0, s = stds?[0] ?? 1;
            var train = IdxCalibration.FashionMnist(inputName, train: true, count, m, s);
            try
            {
                return (train, IdxCalibration.FashionMnist(inputName, train: false, parsed.GetValue(evalCount), m, s));
            }
            catch
            {
                train.Dispose();
                throw;
            }
        }
        if (parsed.GetValue(calib) is string dir)
        {
            if (shape.Length != 4) throw new CliUsageException($"--calib images need a 4-D image input, not {Format.Shape(shape)}");
            bool nhwc = shape[3] is 1 or 3 && shape[1] is not (1 or 3);
            int channels = nhwc ? shape[3] : shape[1];
            var options = new PreprocessOptions
            {
                Width = nhwc ? shape[2] : shape[3],
                Height = nhwc ? shape[1] : shape[2],
                Layout = nhwc ? TensorLayout.Nhwc : TensorLayout.Nchw,
                Channels = channels == 1 ? ChannelOrder.Gray : parsed.GetValue(bgr) ? ChannelOrder.Bgr : ChannelOrder.Rgb,
                Mean = means,
                Std = stds,
            };
            var set = CalibrationSet.FromImages(dir, inputName, options, count);
            if (parsed.GetValue(evalDir) is not string held) return (set, set);
            try
            {
                return (set, CalibrationSet.FromImages(held, inputName, options, parsed.GetValue(evalCount)));
            }
            catch
            {
                set.Dispose();
                throw;
            }
        }
        if (parsed.GetValue(randomCalib))
        {
            var set = CalibrationSet.Random(inputName, shape, count);
            return (set, set);
        }
        var method = parsed.GetValue<string>("--method");
        if (method == "pca") throw new CliUsageException("pca needs calibration data: --calib DIR, --dataset fashion-mnist or --random-calib");
        // Data-free methods still report output error and latency: on a few seeded random inputs.
        var random = CalibrationSet.Random(inputName, shape, Math.Min(count, 4));
        return (random, random);
    }

    /// <summary>
    /// --target-ms. With --cost time: the milliseconds to save are the measured latency above the target, spent on the
    /// layers by Zhang's criterion from their timed costs; each attempt's measured latency corrects what is still to save.
    /// With --cost macs: the MAC speedup is estimated from the latency ratio and scaled by what remains. At most three attempts.
    /// </summary>
    private static DecompositionResult ForLatency(CliContext context, Model model, DecompositionOptions options, CalibrationSet calibration,
        double targetMs, int iterations)
    {
        var input = new Dictionary<string, Tensor> { [calibration.InputName] = calibration.Inputs[0] };
        int runs = 3 * iterations;
        double baseMs = DecompositionEvaluator.FastestMs(model, input, options.Session, runs);
        bool timed = options.Cost == RankCost.Time;
        double speedup = Math.Clamp(baseMs / targetMs, 1, 16), save = Math.Max(baseMs - targetMs, 0);
        DecompositionResult? best = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var result = Decomposer.Run(model, timed ? options with { SaveMs = save } : options with { Speedup = speedup }, calibration);
            double ms = DecompositionEvaluator.FastestMs(result.Model, input, options.Session, runs);
            context.Err.WriteLine($"decompose: --target-ms {targetMs.ToString("0.##", Invariant)} (model {baseMs.ToString("0.00", Invariant)} ms): " +
                (timed ? $"saving {save.ToString("0.00", Invariant)} ms of layer time" : $"MAC speedup {speedup.ToString("0.00", Invariant)}") +
                $" gives {ms.ToString("0.00", Invariant)} ms");
            best?.Dispose();
            best = result;
            if (ms <= targetMs) break;
            // Whatever did not shrink stays: ask for the latency still to remove on top.
            save += ms - targetMs;
            speedup = Math.Clamp(speedup * ms / targetMs, 1, 64);
        }
        return best!;
    }

    /// <summary>Paired latency at the timing batch (calibration inputs repeated to fill it), when the model's input takes that batch.</summary>
    private static void BatchLatency(CliContext context, Model before, Model after, CalibrationSet calibration, SessionOptions session, int batch, int iterations)
    {
        var one = calibration.Inputs[0];
        int[] shape = [batch, .. one.Shape[1..]];
        var options = new SessionOptions
        {
            Threads = session.Threads, MaxIsa = session.MaxIsa, ReferenceKernels = session.ReferenceKernels,
            InputShapes = new Dictionary<string, int[]> { [calibration.InputName] = shape },
        };
        using var x = Tensor.Allocate(DataType.Float32, shape);
        var dst = x.AsSpan<float>();
        int per = (int)one.Length;
        for (int b = 0; b < batch; b++) calibration.Inputs[b % calibration.Count].AsReadOnlySpan<float>().CopyTo(dst.Slice(b * per, per));
        try
        {
            var (b0, a0) = PairedLatency.Measure(before, after, new Dictionary<string, Tensor> { [calibration.InputName] = x }, options, iterations);
            context.Out.WriteLine($"latency (batch {batch}, fastest of alternating runs, {PairedLatency.Clock(options)}): {Format.Ms(b0)} ms -> {Format.Ms(a0)} ms ({Ratio(b0, a0)})");
        }
        catch (BrambleException e)
        {
            context.Err.WriteLine($"decompose: no latency at batch {batch}: {e.Message}");
        }
    }

    private static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.0", Invariant) + "%" : "-";
    private static string Ms(double v) => double.IsFinite(v) ? Format.Ms(v) : "-";

    private static void WriteReport(CliContext context, string path, string output, DecompositionOptions options, DecompositionResult result, DecompositionEvaluation e)
    {
        var console = context.Console;
        console.WriteLine($"Model: {path} -> {output}   method: {options.Method.ToString().ToLowerInvariant()}" +
            (options.Method == DecompositionMethod.Flatten ? $" ({(options.Flatten == FlattenMode.Cp ? "cp" : "per-filter")})" : "") +
            (options.Nonlinear ? " nonlinear" : "") + (options.Asymmetric ? " asymmetric" : ""));
        bool timed = options.Cost == RankCost.Time;
        var table = new Table().AddColumns("layer", "shape", "rank", "MACs before", "MACs after", "energy kept", "ms before", "ms after", "output error", "note");
        if (timed) table.AddColumns("timed ms before", "timed ms after");
        foreach (var l in result.Layers)
        {
            var cells = new List<string> { l.Name, l.Geometry, l.Decomposed ? $"{l.Rank}/{l.MaxRank}" : "-", Format.Count(l.MacsBefore), Format.Count(l.MacsAfter),
                Pct(l.EnergyKept), Ms(l.MsBefore), Ms(l.MsAfter), double.IsFinite(l.OutputError) ? l.OutputError.ToString("0.0000", Invariant) : "-", l.Note };
            if (timed) cells.AddRange([Ms(l.CostBefore), Ms(l.CostAfter)]);
            table.AddRow(InfoCommand.Cells([.. cells]));
        }
        console.Write(table);
        if (timed)
        {
            // Layers never timed (left alone without pricing) count at their profiled time in neither sum.
            double before = result.Layers.Where(l => double.IsFinite(l.CostBefore)).Sum(l => l.CostBefore);
            double after = result.Layers.Where(l => double.IsFinite(l.CostBefore)).Sum(l => l.CostAfter);
            context.Out.WriteLine($"timed layers ({result.CostUnit}): {Format.Ms(before)} ms -> {Format.Ms(after)} ms ({Ratio(before, after)})");
        }
        if (result.Warning != null) context.Out.WriteLine($"warning: {result.Warning}");
        var summary = new Table().AddColumns("", "before", "after", "ratio");
        void Row(string name, string before, string after, string ratio) => summary.AddRow(InfoCommand.Cells(name, before, after, ratio));
        Row("MACs", Format.Count(e.Before.Macs), Format.Count(e.After.Macs), Ratio(e.Before.Macs, e.After.Macs));
        Row("decomposable layers ms", Ms(e.LayerMsBefore), Ms(e.LayerMsAfter), Ratio(e.LayerMsBefore, e.LayerMsAfter));
        Row("latency ms (median)", Ms(e.Before.LatencyMs), Ms(e.After.LatencyMs), Ratio(e.Before.LatencyMs, e.After.LatencyMs));
        Row("weights", Format.Bytes(e.Before.WeightBytes), Format.Bytes(e.After.WeightBytes), Ratio(e.Before.WeightBytes, e.After.WeightBytes));
        if (e.Before.Accuracy is double a0 && e.After.Accuracy is double a1)
            Row("top-1 accuracy", Pct(a0), Pct(a1), ((a1 - a0) * 100).ToString("+0.00;-0.00", Invariant) + " pt");
        Row("output cosine (mean / min)", "", e.MeanCosine.ToString("0.00000", Invariant) + " / " + e.MinCosine.ToString("0.00000", Invariant), "");
        console.Write(summary);
    }

    private static string Ratio(double before, double after) => after > 0 && double.IsFinite(before) ? (before / after).ToString("0.00", Invariant) + "x" : "-";
}
