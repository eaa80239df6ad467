using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Import.Onnx;
using Bramble.Quantization;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble quantize MODEL --calib DIR|FILES | --dataset fashion-mnist -o model.int8.onnx`: post-training
/// static quantization to a standard QDQ ONNX model, with a report of the layers made int8 or kept float
/// (some measured to keep the output within --min-cosine of float, some because int8 measured no faster)
/// and the output cosine similarity against the float model. `--study` also prints accuracy against weight × activation bit widths.
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
        var weightBits = new Option<int>("--weight-bits")
        {
            Description = "Weight code width, 2-8. 7 (codes within ±63) lets x86 CPUs without VNNI multiply with pmaddubsw exactly, about 1.4x the 8-bit speed (ONNX Runtime's reduce_range); 8 keeps the full range",
            DefaultValueFactory = _ => 7,
        };
        var exclude = new Option<string[]>("--exclude") { Description = "Node (or output) names to keep float", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var mean = new Option<string?>("--mean") { Description = "Image preprocessing: subtracted from pixel/255, one value or one per channel (e.g. 0.485,0.456,0.406)" };
        var std = new Option<string?>("--std") { Description = "Image preprocessing: divides (pixel/255 - mean), one value or one per channel" };
        var evalPaths = new Option<string[]>("--eval") { Description = "Evaluation samples for the reported output cosine (default: the calibration samples); keep them apart from --calib", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var evalSamples = new Option<int>("--eval-samples") { Description = "Samples the reported output cosine is averaged over", DefaultValueFactory = _ => 8 };
        var minCosine = new Option<double>("--min-cosine") { Description = "Keep float the layers whose int8 error stops the output cosine vs float (on the calibration samples) reaching this; 0 = off", DefaultValueFactory = _ => 0.99 };
        var searchSamples = new Option<int>("--search-samples") { Description = "Calibration samples each keep-float candidate is scored on", DefaultValueFactory = _ => 8 };
        var minSpeedup = new Option<double>("--min-layer-speedup") { Description = "Keep float the layers whose measured int8 time (with the quantize/dequantize they cause) is not this many times below their float time; 0 = off. The default asks for a margin: a layer barely faster in int8 is not worth its error", DefaultValueFactory = _ => 1.1 };
        var latency = new Option<bool>("--latency") { Description = "Also measure int8 against float latency (1 thread, alternating runs) and print weight sizes" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the quantized QDQ model" };
        var study = new Option<bool>("--study") { Description = "Print accuracy for weight bits × activation bits (simulated quantization) and int8 vs float latency and size" };
        var studyWeights = new Option<int[]>("--study-weight-bits") { Description = "Weight bit widths of the study's rows", DefaultValueFactory = _ => [8, 6, 5, 4, 3, 2], AllowMultipleArgumentsPerToken = true };
        var studyActivations = new Option<int[]>("--study-activation-bits") { Description = "Activation bit widths of the study's columns", DefaultValueFactory = _ => [8, 6, 5, 4], AllowMultipleArgumentsPerToken = true };
        var studySamples = new Option<int>("--study-samples") { Description = "Labelled test samples scored per study cell", DefaultValueFactory = _ => 1000 };
        var command = new Command("quantize", "Post-training int8 quantization to a QDQ ONNX model");
        args.AddTo(command);
        foreach (var o in new Option[] { calib, dataset, samples, method, weights, weightBits, activations, exclude, mean, std, evalPaths, evalSamples, minCosine, searchSamples, minSpeedup, latency, output, study, studyWeights, studyActivations, studySamples })
            command.Options.Add(o);
        Validation.AtLeast(samples, 1);
        Validation.Between(weightBits, 2, 8);
        Validation.AtLeast(evalSamples, 1);
        Validation.AtLeast(searchSamples, 1);
        Validation.AtLeast(studySamples, 1);
        command.SetAction(parsed =>
        {
            var calibPaths = parsed.GetValue(calib) ?? [];
            string? datasetName = parsed.GetValue(dataset);
            if ((calibPaths.Length == 0) == (datasetName == null)) throw new CliUsageException("give exactly one of --calib or --dataset");
            bool studyMode = parsed.GetValue(study);
            string? outPath = parsed.GetValue(output);
            if (outPath == null && !studyMode) throw new CliUsageException("give the output path with -o");
            if (parsed.GetValue(minCosine) is < 0 or > 1) throw new CliUsageException("--min-cosine must be between 0 and 1");
            if (parsed.GetValue(minSpeedup) is < 0 or > 100 || double.IsNaN(parsed.GetValue(minSpeedup))) throw new CliUsageException("--min-layer-speedup must be between 0 and 100");
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                var shapes = args.InputShapes(parsed, model);
                int[]? shape = shapes.Count == 1 ? shapes.Values.First() : null;
                var means = Specs.ParseFloats(parsed.GetValue(mean), "--mean");
                var stds = Specs.ParseFloats(parsed.GetValue(std), "--std");
                var source = datasetName != null ? CalibrationSource.FromDataset(datasetName)
                    : CalibrationSource.FromPaths(calibPaths, means, stds, shape);
                var evalFiles = parsed.GetValue(evalPaths) ?? [];
                var evaluation = evalFiles.Length > 0 ? CalibrationSource.FromPaths(evalFiles, means, stds, shape) : source;
                var options = new QuantizeOptions
                {
                    Samples = parsed.GetValue(samples),
                    Method = parsed.GetValue(method) switch { "percentile" => CalibrationMethod.Percentile, "entropy" => CalibrationMethod.Entropy, _ => CalibrationMethod.MinMax },
                    PerChannelWeights = parsed.GetValue(weights) != "per-tensor",
                    WeightBits = parsed.GetValue(weightBits),
                    SignedActivations = parsed.GetValue(activations) == "int8",
                    Exclude = new HashSet<string>(parsed.GetValue(exclude) ?? []),
                    Progress = (done, total) => Progress(context, done, total, "calibrating"),
                    MinCosine = parsed.GetValue(minCosine),
                    SearchSamples = parsed.GetValue(searchSamples),
                    MinLayerSpeedup = parsed.GetValue(minSpeedup),
                    SearchProgress = (phase, done, total) => Progress(context, done, total, phase),
                };
                var sessionOptions = args.SessionOptions(parsed, model);
                if (studyMode)
                {
                    var result = QuantizationStudy.Run(model, source, options, parsed.GetValue(studyWeights)!, parsed.GetValue(studyActivations)!,
                        parsed.GetValue(studySamples), sessionOptions, (done, total) => Progress(context, done, total, "study"));
                    QuantizeStudyReport.Print(context, path, result);
                }
                var (quantized, report) = Quantizer.Quantize(model, source, options, sessionOptions);
                using (quantized)
                {
                    if (outPath != null) OnnxWriter.Save(quantized, outPath);
                    var cosine = Quantizer.CompareOutputs(model, quantized, evaluation, parsed.GetValue(evalSamples), sessionOptions);
                    string evaluatedOn = evalFiles.Length > 0 ? "evaluation samples (--eval)" : "calibration samples (no --eval given)";
                    QuantizeReportView.Print(context, path, outPath ?? "(not written)", report, cosine, evaluatedOn);
                    if (studyMode || parsed.GetValue(latency)) QuantizeStudyReport.PrintCost(context, model, quantized, report, evaluation, shapes);
                }
            }
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>A one-line progress bar on stderr, redrawn in place; ends the line when the phase completes.</summary>
    internal static void Progress(CliContext context, int done, int total, string what)
    {
        const int width = 30;
        int filled = total == 0 ? width : done * width / total;
        context.Err.Write($"\r{what} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
        if (done >= total) context.Err.WriteLine();
    }
}
