using System.CommandLine;
using Bramble.Import;
using Bramble.Import.Onnx;
using Bramble.Training;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;
using Bramble.Training.Models;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble train --arch NAME | --model init.onnx --dataset fashion-mnist --epochs N -o out.onnx`:
/// trains a CNN with softmax cross-entropy, shows loss, accuracy and images/s while it runs, evaluates
/// on the test split after each epoch and saves standard ONNX (BatchNormalization in inference form).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var arch = new Option<string?>("--arch") { Description = $"Build a baseline architecture: {string.Join(", ", Architectures.Names)}" };
        var width = new Option<float>("--width") { Description = "Channel multiplier of the --arch architecture (2 = twice the channels)", DefaultValueFactory = _ => 1f };
        var model = new Option<string?>("--model") { Description = "Start from this ONNX model (fine-tuning)" };
        var dataset = new Option<string>("--dataset") { Description = DatasetArgs.Description, DefaultValueFactory = _ => "fashion-mnist" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 64 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 2e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, nesterov, adam or adamw", DefaultValueFactory = _ => "adam" };
        var decay = new Option<float>("--weight-decay") { Description = "Weight decay of conv and dense kernels", DefaultValueFactory = _ => 0f };
        var schedule = new Option<string>("--schedule") { Description = "constant, step or cosine", DefaultValueFactory = _ => "cosine" };
        var warmup = new Option<int>("--warmup") { Description = "Epochs of linear learning-rate warm-up", DefaultValueFactory = _ => 0 };
        var smoothing = new Option<float>("--label-smoothing") { Description = "Share of the target spread over the other classes (e.g. 0.1)", DefaultValueFactory = _ => 0f };
        var augment = new Option<bool>("--augment") { Description = "Random crop (padding 2) and horizontal flip" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling, augmentation and dropout", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var subset = new Option<int>("--subset") { Description = "Train on the first N images only (quick runs)", DefaultValueFactory = _ => 0 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the square images of a folder dataset", DefaultValueFactory = _ => 28 };
        var channels = new Option<int>("--channels") { Description = "1 (gray) or 3 (RGB) for a folder dataset", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the trained ONNX model", Required = true };
        var profile = new Option<bool>("--profile") { Description = "Print the time of each op, forward and backward, after training" };
        var command = new Command("train", "Train a CNN (baseline architecture or ONNX model) and save it as ONNX")
        {
            arch, width, model, dataset, epochs, batch, lr, optimizer, decay, schedule, warmup, smoothing, augment, seed, threads, subset, imageSize, channels, output, profile,
        };
        command.SetAction(parsed =>
        {
            string? archName = parsed.GetValue(arch), modelPath = parsed.GetValue(model);
            if ((archName == null) == (modelPath == null)) throw new CliUsageException("give exactly one of --arch NAME or --model FILE");
            if (parsed.GetValue(epochs) < 1 || parsed.GetValue(batch) < 1) throw new CliUsageException("--epochs and --batch must be positive");
            if (!(parsed.GetValue(width) is >= 0.25f and <= 8f)) throw new CliUsageException("--width must be between 0.25 and 8");
            if (!(parsed.GetValue(smoothing) is >= 0f and < 1f)) throw new CliUsageException("--label-smoothing must be in [0, 1)");
            var (train, test) = DatasetArgs.Load(parsed.GetValue(dataset)!, parsed.GetValue(imageSize), parsed.GetValue(channels));
            if (parsed.GetValue(subset) > 0) train = train.Take(parsed.GetValue(subset));

            using var start = archName != null
                ? new Graph.Model(Architectures.Build(archName, train.Channels, train.Height, train.ClassNames.Count, parsed.GetValue(seed), parsed.GetValue(width)))
                : context.LoadModel(modelPath!);
            var graph = new TrainingGraph(start.Graph);
            var options = new TrainOptions
            {
                Epochs = parsed.GetValue(epochs), BatchSize = parsed.GetValue(batch), LearningRate = parsed.GetValue(lr),
                Optimizer = parsed.GetValue(optimizer)!, WeightDecay = parsed.GetValue(decay), Schedule = parsed.GetValue(schedule)!,
                WarmupEpochs = parsed.GetValue(warmup), LabelSmoothing = parsed.GetValue(smoothing), Seed = parsed.GetValue(seed), Threads = Math.Max(1, parsed.GetValue(threads)),
                Augmentation = parsed.GetValue(augment) ? new Augmentation { CropPadding = 2, HorizontalFlip = true } : Augmentation.None,
            };
            long parameters = graph.Parameters.Sum(p => (long)p.Latent.Length);
            context.Out.WriteLine($"Training {archName ?? modelPath} ({parameters:N0} parameters) on {train.Count:N0} images, testing on {test.Count:N0}; " +
                $"{options.Optimizer} lr {options.LearningRate} {options.Schedule}, batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}");
            using var trainer = new Trainer(graph, options);
            if (parsed.GetValue(profile)) trainer.Context.Profile = new TrainingProfile();
            var bar = TrainingProgress.Line(context.Out);
            string path = parsed.GetValue(output)!;
            var cpu = System.Diagnostics.Process.GetCurrentProcess();
            TimeSpan cpuBefore = cpu.TotalProcessorTime;
            trainer.Fit(train, test,
                p => bar.Update($"epoch {p.Epoch}/{options.Epochs} {TrainingProgress.Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches}  loss {p.Loss:F4}  acc {p.Accuracy:P2}  {p.ImagesPerSecond:F0} img/s  lr {p.LearningRate:G3}", p.Batch == p.Batches),
                e =>
                {
                    // Images per CPU-second of this process: comparable across runs on a busy machine.
                    cpu.Refresh();
                    double cpuSeconds = (cpu.TotalProcessorTime - cpuBefore).TotalSeconds;
                    cpuBefore = cpu.TotalProcessorTime;
                    context.Out.WriteLine($"epoch {e.Epoch}: loss {e.Loss:F4}, train acc {e.TrainAccuracy:P2}, test acc {e.TestAccuracy:P2}, " +
                        $"{e.ImagesPerSecond:F0} img/s wall, {train.Count / Math.Max(1e-9, cpuSeconds):F0} img per CPU-second (incl. test pass), {e.Elapsed.TotalSeconds:F1} s");
                    // Saved after every epoch so that an interrupted run still leaves its latest weights.
                    using var snapshot = graph.ExportModel($"trained by bramble train: {archName ?? Path.GetFileName(modelPath)}, epoch {e.Epoch} of {options.Epochs}, test top-1 {e.TestAccuracy:P2}");
                    OnnxWriter.Save(snapshot, path);
                });
            context.Out.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes)");
            if (trainer.Context.Profile is { } timings) TrainingProfileTable.Write(context, timings.Rows(graph));
            return Cli.ExitOk;
        });
        return command;
    }
}
