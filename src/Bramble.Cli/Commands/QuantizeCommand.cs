using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Import.Onnx;
using Bramble.Quantization;
using Bramble.Runtime;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble quantize MODEL --calib DIR|FILES | --dataset fashion-mnist -o model.int8.onnx`: post-training
/// static quantization to a standard QDQ ONNX model, with a report of the layers made int8 or kept float
/// and the output cosine similarity against the float model. `--study` prints accuracy against weight ×
/// activation bit widths instead.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var calib = new Option<string[]>("--calib") { Description = "Calibration samples: directories or files (.npy tensors or images)", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var dataset = new Option<string>("--dataset") { Description = "Calibrate on a named dataset: fashion-mnist" };
        var samples = new Option<int>("--samples") { Description = "Number of calibration samples", DefaultValueFactory = _ => 32 };
        var method = new Option<string>("--method") { Description = "Activation range: minmax, percentile or entropy", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var weights = new Option<string>("--weights") { Description = "Weight scales: per-channel or per-tensor", DefaultValueFactory = _ => "per-channel" };
        weights.AcceptOnlyFromAmong("per-channel", "per-tensor");
        var activations = new Option<string>("--activations") { Description = "Activation type: uint8 or int8", DefaultValueFactory = _ => "uint8" };
        activations.AcceptOnlyFromAmong("uint8", "int8");
        var exclude = new Option<string[]>("--exclude") { Description = "Node (or output) names to keep float", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var mean = new Option<float>("--mean") { Description = "Image preprocessing: subtracted from pixel/255", DefaultValueFactory = _ => 0f };
        var std = new Option<float>("--std") { Description = "Image preprocessing: divides (pixel/255 - mean)", DefaultValueFactory = _ => 1f };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the quantized QDQ model" };
        var study = new Option<bool>("--study") { Description = "Print accuracy for weight bits × activation bits (simulated quantization) and int8 vs float latency and size" };
        var studyWeights = new Option<int[]>("--study-weight-bits") { Description = "Weight bit widths of the study's rows", DefaultValueFactory = _ => [8, 6, 5, 4, 3, 2], AllowMultipleArgumentsPerToken = true };
        var studyActivations = new Option<int[]>("--study-activation-bits") { Description = "Activation bit widths of the study's columns", DefaultValueFactory = _ => [8, 6, 5, 4], AllowMultipleArgumentsPerToken = true };
        var studySamples = new Option<int>("--study-samples") { Description = "Labelled test samples scored per study cell", DefaultValueFactory = _ => 1000 };
        var command = new Command("quantize", "Post-training int8 quantization to a QDQ ONNX model");
        args.AddTo(command);
        foreach (var o in new Option[] { calib, dataset, samples, method, weights, activations, exclude, mean, std, output, study, studyWeights, studyActivations, studySamples }) command.Options.Add(o);
        Validation.AtLeast(samples, 1);
        Validation.AtLeast(studySamples, 1);
        command.SetAction(parsed =>
        {
            var calibPaths = parsed.GetValue(calib) ?? [];
            string? datasetName = parsed.GetValue(dataset);
            if ((calibPaths.Length == 0) == (datasetName == null)) throw new CliUsageException("give exactly one of --calib or --dataset");
            bool studyMode = parsed.GetValue(study);
            string? outPath = parsed.GetValue(output);
            if (outPath == null && !studyMode) throw new CliUsageException("give the output path with -o");
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                var shapes = args.InputShapes(parsed, model);
                int[]? shape = shapes.Count == 1 ? shapes.Values.First() : null;
                var source = datasetName != null ? CalibrationSource.FromDataset(datasetName)
                    : CalibrationSource.FromPaths(calibPaths, parsed.GetValue(mean), parsed.GetValue(std), shape);
                var options = new QuantizeOptions
                {
                    Samples = parsed.GetValue(samples),
                    Method = parsed.GetValue(method) switch { "percentile" => CalibrationMethod.Percentile, "entropy" => CalibrationMethod.Entropy, _ => CalibrationMethod.MinMax },
                    PerChannelWeights = parsed.GetValue(weights) != "per-tensor",
                    SignedActivations = parsed.GetValue(activations) == "int8",
                    Exclude = new HashSet<string>(parsed.GetValue(exclude) ?? []),
                    Progress = (done, total) => Progress(context, done, total, "calibrating"),
                };
                var sessionOptions = new SessionOptions { InputShapes = shapes, Threads = parsed.GetValue(args.Threads) };
                if (studyMode)
                {
                    var result = QuantizationStudy.Run(model, source, options, parsed.GetValue(studyWeights)!, parsed.GetValue(studyActivations)!,
                        parsed.GetValue(studySamples), sessionOptions, (done, total) => Progress(context, done, total, "study"));
                    QuantizeStudyReport.Print(context, path, result);
                }
                var (quantized, report) = Quantizer.Quantize(model, source, options);
                using (quantized)
                {
                    if (outPath != null) OnnxWriter.Save(quantized, outPath);
                    var cosine = Quantizer.CompareOutputs(model, quantized, source, Math.Min(4, options.Samples), sessionOptions);
                    Print(context, path, outPath ?? "(not written)", report, cosine);
                    if (studyMode) QuantizeStudyReport.PrintCost(context, model, quantized, report, source, shapes);
                }
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Progress(CliContext context, int done, int total, string what)
    {
        const int width = 30;
        int filled = total == 0 ? width : done * width / total;
        context.Err.Write($"\r{what} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
        if (done >= total) context.Err.WriteLine();
    }

    private static void Print(CliContext context, string path, string outPath, QuantizeReport report, Dictionary<string, double> cosine)
    {
        var console = context.Console;
        console.WriteLine($"Quantized {path} -> {outPath} ({report.Samples} calibration samples)");
        var table = new Table().AddColumns("layer", "op", "MACs", "weight error", "x scale", "y scale");
        foreach (var l in report.Quantized)
            table.AddRow(Markup.Escape(l.Name), l.OpType, l.Macs.ToString("N0"), l.WeightError.ToString("P2"), l.InputScale.ToString("G4"), l.OutputScale.ToString("G4"));
        console.Write(table);
        if (report.Kept.Count > 0)
        {
            var kept = new Table().AddColumns("kept float", "op", "reason");
            foreach (var k in report.Kept) kept.AddRow(Markup.Escape(k.Name), k.OpType, Markup.Escape(k.Reason));
            console.Write(kept);
        }
        console.WriteLine($"Layers: {report.Quantized.Count} int8, {report.Kept.Count} float. Weights: {report.FloatWeightBytes:N0} -> {report.QuantizedWeightBytes:N0} bytes " +
            $"({(double)report.FloatWeightBytes / Math.Max(1, report.QuantizedWeightBytes):F2}x smaller)");
        foreach (var (name, c) in cosine) console.WriteLine($"Output '{name}': cosine similarity vs float {c:F5}");
    }
}
