using System.CommandLine;
using System.Globalization;
using Bramble.Cli.Options;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Training;
using Bramble.Training.Data;

namespace Bramble.Cli.Commands;

/// <summary>A labelled data set for a compression command: training images (fine-tuning) and test images (top-1).</summary>
internal sealed record LabelledData(Dataset Train, Dataset Test);

/// <summary>
/// What `prune` and `decompose` share for accuracy work: the fine-tuning options, loading the labelled data,
/// top-1 on the test images through Bramble's inference session (batched, with progress), and fine-tuning a
/// compressed model with the training module (with progress).
/// </summary>
internal sealed class FineTuneArgs
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public Option<int> Epochs { get; } = new("--finetune") { Description = "Fine-tune the compressed model for this many epochs on the --dataset training images" };
    public Option<float> LearningRate { get; } = new("--finetune-lr") { Description = "Fine-tuning peak learning rate (Adam, cosine decay)", DefaultValueFactory = _ => 5e-4f };
    public Option<int> Batch { get; } = new("--finetune-batch") { Description = "Fine-tuning mini-batch size", DefaultValueFactory = _ => 64 };
    public Option<int> Images { get; } = new("--finetune-images") { Description = "Fine-tune on the first N training images only (0 = all)" };
    public Option<bool> Augment { get; } = new("--finetune-augment") { Description = "Fine-tune on randomly cropped (padding 2) and mirrored images" };
    public Option<float> LabelSmoothing { get; } = new("--finetune-label-smoothing") { Description = "Share of the fine-tuning target spread over the other classes (e.g. 0.1, as the baselines were trained)" };
    public Option<float> Distill { get; } = new("--finetune-distill") { Description = "Share of the fine-tuning loss distilled from the uncompressed model's outputs (0 = labels only, 1 = teacher only)" };
    public Option<float> Temperature { get; } = new("--finetune-temperature") { Description = "Softmax temperature of --finetune-distill", DefaultValueFactory = _ => 4f };
    public Option<int> TestCount { get; } = new("--test-count") { Description = "Test images for the top-1 accuracy table (with --dataset)", DefaultValueFactory = _ => 10_000 };
    public Option<string?> Json { get; } = new("--json") { Description = "Also write the whole-model summary (accuracy, MACs, latency, size) as JSON to this file" };

    public void AddTo(Command command)
    {
        Validation.AtLeast(Epochs, 0);
        Validation.AtLeast(Batch, 1);
        Validation.AtLeast(Images, 0);
        Validation.AtLeast(TestCount, 1);
        InRange(LearningRate, "(0, 1)", v => v > 0 && v < 1);
        InRange(Distill, "[0, 1]", v => v >= 0 && v <= 1);
        InRange(LabelSmoothing, "[0, 1)", v => v >= 0 && v < 1);
        InRange(Temperature, "(0, 100]", v => v > 0 && v <= 100);
        foreach (var o in new Option[] { Epochs, LearningRate, Batch, Images, Augment, LabelSmoothing, Distill, Temperature, TestCount, Json }) command.Options.Add(o);
    }

    private static void InRange(Option<float> option, string range, Func<float, bool> ok) => option.Validators.Add(r =>
    {
        if (r.Tokens.Count > 0 && float.TryParse(r.Tokens[^1].Value, NumberStyles.Float, Invariant, out float v) && !ok(v))
            r.AddError($"{option.Name} must be in {range}, not {r.Tokens[^1].Value}");
    });

    /// <summary>Fails when fine-tuning options other than the epochs are given without --finetune (they would be ignored silently).</summary>
    private void RequireEpochs(ParseResult parsed)
    {
        if (parsed.GetValue(Epochs) > 0) return;
        foreach (var o in new Option[] { Augment, LabelSmoothing, Distill, Temperature })
            if (parsed.GetResult(o) is { Implicit: false })
                throw new CliUsageException($"{o.Name} applies to fine-tuning: add --finetune EPOCHS");
    }

    /// <summary>Loads <paramref name="datasetName"/> for a model whose input is <paramref name="input"/>; null without a name (then --finetune is an error).</summary>
    public LabelledData? Load(ParseResult parsed, string? datasetName, ValueInfo input)
    {
        RequireEpochs(parsed);
        if (datasetName == null)
        {
            if (parsed.GetValue(Epochs) > 0) throw new CliUsageException("--finetune needs labelled training images: add --dataset fashion-mnist");
            return null;
        }
        if (input.Shape is not { Length: 4 } dims || !dims[1].IsFixed || !dims[2].IsFixed || !dims[3].IsFixed || dims[2].Value != dims[3].Value)
            throw new CliUsageException($"--dataset needs a model with a square image input [N,C,H,W]; '{input.Name}' is {input.ShapeText}");
        var (train, test) = DatasetArgs.Load(datasetName, (int)dims[2].Value, (int)dims[1].Value);
        if (train.SampleShape[0] != dims[1].Value || train.SampleShape[1] != dims[2].Value)
            throw new CliUsageException($"--dataset {datasetName}: images are {Support.Format.Shape(train.SampleShape)} but input '{input.Name}' is {input.ShapeText}");
        int images = parsed.GetValue(Images);
        return new LabelledData(images > 0 ? train.Take(images) : train, test.Take(parsed.GetValue(TestCount)));
    }

    public int EpochCount(ParseResult parsed) => parsed.GetValue(Epochs);

    public TrainOptions TrainOptions(ParseResult parsed, int threads) => new()
    {
        Epochs = parsed.GetValue(Epochs),
        BatchSize = parsed.GetValue(Batch),
        LearningRate = parsed.GetValue(LearningRate),
        Optimizer = "adam",
        Schedule = "cosine",
        Augmentation = parsed.GetValue(Augment) ? new Augmentation { CropPadding = 2, HorizontalFlip = true } : Augmentation.None,
        LabelSmoothing = parsed.GetValue(LabelSmoothing),
        DistillWeight = parsed.GetValue(Distill),
        DistillTemperature = parsed.GetValue(Temperature),
        Threads = Math.Max(1, threads),
    };

    /// <summary>One image of the test set as a [1, C, H, W] tensor: the input latency is measured on.</summary>
    public static Tensor FirstImage(Dataset data)
    {
        var t = Tensor.Allocate(DataType.Float32, [1, .. data.SampleShape]);
        data.CopySample(0, t.AsSpan<float>());
        return t;
    }

    /// <summary>Top-1 of <paramref name="model"/> on <paramref name="test"/>, batched through an inference session, with a progress line.</summary>
    public static double Accuracy(CliContext context, Model model, Dataset test, SessionOptions session, string what)
    {
        // Batched runs: the per-layer shape bindings of --shape (batch 1) do not apply here.
        var options = new SessionOptions { Threads = session.Threads, MaxIsa = session.MaxIsa, ReferenceKernels = session.ReferenceKernels };
        using var inference = new InferenceSession(model, options);
        var bar = TrainingProgress.Line(context.Out);
        var report = Evaluator.Evaluate(inference, test, 100,
            (done, total) => bar.Update($"top-1 {what}: {TrainingProgress.Bar(done, total)} {done}/{total}", done == total));
        context.Out.WriteLine($"top-1 {what}: {Pct(report.Top1)} on {report.Count:N0} test images");
        return report.Top1;
    }

    /// <summary>
    /// Fine-tunes <paramref name="model"/> (a new model is returned; the caller disposes it). Weights named in
    /// <paramref name="keepZeros"/> keep their zeros (pruned connections stay pruned); <paramref name="original"/> is the
    /// teacher of --finetune-distill.
    /// </summary>
    public static Model Tune(CliContext context, Model model, LabelledData data, TrainOptions options, Model original, IEnumerable<string>? keepZeros = null)
    {
        string extras = (options.Augmentation.IsNone ? "" : ", augmented") +
            (options.LabelSmoothing > 0 ? $", label smoothing {options.LabelSmoothing.ToString("G3", Invariant)}" : "") +
            (options.DistillWeight > 0 ? $", distilled from the original (weight {options.DistillWeight.ToString("G3", Invariant)}, T {options.DistillTemperature.ToString("G3", Invariant)})" : "");
        context.Out.WriteLine($"Fine-tuning: {options.Epochs} epoch(s) on {data.Train.Count:N0} images, adam lr {options.LearningRate.ToString("G3", Invariant)} cosine, batch {options.BatchSize}{extras}");
        return FineTuning.Run(model, data.Train, options, keepZeros, Progress(context, options.Epochs), teacher: original);
    }

    /// <summary>A progress callback for training batches: epoch, bar, running loss and accuracy, speed.</summary>
    public static Action<BatchProgress> Progress(CliContext context, int epochs)
    {
        var bar = TrainingProgress.Line(context.Out);
        return p => bar.Update($"fine-tune epoch {p.Epoch}/{epochs} {TrainingProgress.Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches}  " +
            $"loss {p.Loss.ToString("F4", Invariant)}  acc {Pct(p.Accuracy)}  {p.ImagesPerSecond.ToString("F0", Invariant)} img/s", p.Batch == p.Batches);
    }

    public static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.00", Invariant) + "%" : "-";
}
