using System.CommandLine;
using Bramble.Cli.Support;
using Bramble.Compression.Binarization;
using Bramble.Compression.Decomposition;
using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Training;
using Bramble.Training.Data;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble binarize MODEL --dataset fashion-mnist --epochs N -o out.onnx`: turns a trained float CNN into a
/// binary (XNOR) network — ±1 activations and weights with per-filter scales in every Conv/Gemm except the
/// first and last — fine-tunes it from the float weights, and saves the storage form Bramble packs to bits.
/// Reports which layers were binarised, accuracy of float / binarised / fine-tuned, latency and weight size.
/// </summary>
internal static class BinarizeCommand
{
    public static Command Create(CliContext context)
    {
        var modelArg = new Argument<string>("model") { Description = "Trained float ONNX model (the teacher)" };
        var dataset = new Option<string>("--dataset") { Description = DatasetArgs.Description, DefaultValueFactory = _ => "fashion-mnist" };
        var epochs = new Option<int>("--epochs") { Description = "Fine-tuning passes over the training set", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 64 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, nesterov, adam or adamw", DefaultValueFactory = _ => "adam" };
        var augment = new Option<bool>("--augment") { Description = "Random crop (padding 2) and horizontal flip" };
        var seed = new Option<int>("--seed") { Description = "Seed of shuffling, augmentation and dropout", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var subset = new Option<int>("--subset") { Description = "Train on the first N images only (quick runs)", DefaultValueFactory = _ => 0 };
        var binarizeFirst = new Option<bool>("--binarize-first") { Description = "Also binarise the first layer (it sees the image; usually costs accuracy)" };
        var binarizeLast = new Option<bool>("--binarize-last") { Description = "Also binarise the last layer (the logits; usually costs accuracy)" };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the square images of a folder dataset", DefaultValueFactory = _ => 28 };
        var channels = new Option<int>("--channels") { Description = "1 (gray) or 3 (RGB) for a folder dataset", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the binary ONNX model", Required = true };
        var command = new Command("binarize", "Binarise a float CNN (XNOR-Net), fine-tune it from the float weights and save it")
        {
            modelArg, dataset, epochs, batch, lr, optimizer, augment, seed, threads, subset, binarizeFirst, binarizeLast, imageSize, channels, output,
        };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(epochs) < 0 || parsed.GetValue(batch) < 1) throw new CliUsageException("--epochs must be ≥ 0 and --batch positive");
            string modelPath = parsed.GetValue(modelArg)!, path = parsed.GetValue(output)!;
            if (Path.GetFullPath(path) == Path.GetFullPath(modelPath)) throw new CliUsageException($"-o {path} would overwrite the input model; choose another file");
            var (train, test) = DatasetArgs.Load(parsed.GetValue(dataset)!, parsed.GetValue(imageSize), parsed.GetValue(channels));
            if (parsed.GetValue(subset) > 0) train = train.Take(parsed.GetValue(subset));
            int threadCount = Math.Max(1, parsed.GetValue(threads));
            var options = new TrainOptions
            {
                Epochs = parsed.GetValue(epochs), BatchSize = parsed.GetValue(batch), LearningRate = parsed.GetValue(lr),
                Optimizer = parsed.GetValue(optimizer)!, Seed = parsed.GetValue(seed), Threads = threadCount,
                Augmentation = parsed.GetValue(augment) ? new Augmentation { CropPadding = 2, HorizontalFlip = true } : Augmentation.None,
            };

            using var teacher = context.LoadModel(modelPath);
            using var binary = new BinaryNetworkTrainer(teacher, options, !parsed.GetValue(binarizeFirst), !parsed.GetValue(binarizeLast));
            PrintLayers(context.Console, binary.Layers);

            double floatAccuracy = Accuracy(teacher, test, threadCount);
            double untrained = binary.Evaluate(test);
            context.Out.WriteLine($"Test top-1: float {floatAccuracy:P2}; binarised before fine-tuning {untrained:P2}");
            var bar = TrainingProgress.Line(context.Out);
            binary.Fit(train, test,
                p => bar.Update($"epoch {p.Epoch}/{options.Epochs} {TrainingProgress.Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches}  loss {p.Loss:F4}  acc {p.Accuracy:P2}  {p.ImagesPerSecond:F0} img/s  lr {p.LearningRate:G3}", p.Batch == p.Batches),
                e =>
                {
                    context.Out.WriteLine($"epoch {e.Epoch}: loss {e.Loss:F4}, train acc {e.TrainAccuracy:P2}, test acc {e.TestAccuracy:P2}, {e.ImagesPerSecond:F0} img/s, {e.Elapsed.TotalSeconds:F1} s");
                    // Saved after every epoch so that an interrupted run still leaves its latest weights.
                    using var snapshot = binary.Export($"binarized by bramble binarize from {Path.GetFileName(modelPath)}, epoch {e.Epoch} of {options.Epochs}, test top-1 {e.TestAccuracy:P2}");
                    OnnxWriter.Save(snapshot, path);
                });
            if (options.Epochs == 0)
            {
                using var snapshot = binary.Export($"binarized by bramble binarize from {Path.GetFileName(modelPath)} without fine-tuning");
                OnnxWriter.Save(snapshot, path);
            }
            using var saved = context.LoadModel(path);
            PrintComparison(context, teacher, saved, test, threadCount, floatAccuracy);
            context.Out.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes)");
            return Cli.ExitOk;
        });
        return command;
    }

    private static void PrintLayers(IAnsiConsole console, IReadOnlyList<BinaryLayerDecision> layers)
    {
        var table = new Table().AddColumns("layer", "op", "weights", "binary", "why not");
        foreach (var l in layers)
            table.AddRow(InfoCommand.Cells(l.Layer.DisplayName, l.Layer.OpType, Format.Shape(l.WeightShape), l.Binarised ? "yes" : "no", l.Reason ?? ""));
        console.Write(table);
    }

    private static double Accuracy(Model model, Dataset test, int threads)
    {
        using var session = new InferenceSession(model, new SessionOptions { Threads = threads });
        return Evaluator.Evaluate(session, test).Top1;
    }

    /// <summary>Float against binary through Bramble's sessions (the binary one with its layers packed to bits).</summary>
    private static void PrintComparison(CliContext context, Model teacher, Model binaryModel, Dataset test, int threads, double floatAccuracy)
    {
        var options = new SessionOptions { Threads = threads };
        using var packed = new InferenceSession(binaryModel, options);
        double binaryAccuracy = Evaluator.Evaluate(packed, test).Top1;
        using var sample = Tensor.Allocate(DataType.Float32, [1, .. test.SampleShape]);
        test.CopySample(0, sample.AsSpan<float>());
        var input = new Dictionary<string, Tensor> { [packed.InputMetadata[0].Name] = sample };
        double floatMs = DecompositionEvaluator.Latency(teacher, input, options, 50).Ms;
        double binaryMs = DecompositionEvaluator.Latency(binaryModel, input, options, 50).Ms;
        long floatBytes = teacher.Graph.WeightBytes, packedBytes = packed.Model.Graph.WeightBytes;
        var table = new Table().AddColumns("", "float", "binary", "ratio");
        table.AddRow("test top-1", $"{floatAccuracy:P2}", $"{binaryAccuracy:P2}", $"{(binaryAccuracy - floatAccuracy) * 100:+0.00;-0.00} points");
        table.AddRow("latency ms (batch 1, median)", Format.Ms(floatMs), Format.Ms(binaryMs), $"{floatMs / Math.Max(1e-9, binaryMs):F2}x faster");
        table.AddRow("weights in memory", Format.Bytes(floatBytes), Format.Bytes(packedBytes), $"{(double)floatBytes / Math.Max(1, packedBytes):F1}x smaller");
        context.Console.Write(table);
    }
}
