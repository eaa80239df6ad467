using System.Diagnostics;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;
using Bramble.Training.Gradients;
using Bramble.Training.Optimizers;
using Bramble.Training.Schedules;

namespace Bramble.Training;

/// <summary>Hyper-parameters of a training run. The same options and seed give the same weights.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public string Optimizer { get; init; } = "adam";
    public float WeightDecay { get; init; }
    public string Schedule { get; init; } = "cosine";
    public int WarmupEpochs { get; init; }
    public float LabelSmoothing { get; init; }
    public Augmentation Augmentation { get; init; } = Augmentation.None;

    /// <summary>Share of the loss taken by distillation from a <see cref="Training.Teacher"/> (0 = hard labels only, 1 = teacher only).</summary>
    public float DistillWeight { get; init; }

    /// <summary>Softmax temperature of distillation: above 1 it exposes how the teacher ranks the wrong classes.</summary>
    public float DistillTemperature { get; init; } = 4f;
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = 2;
}

/// <summary>Reported every few batches while an epoch runs.</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond, float LearningRate);

/// <summary>Summary of one epoch: running training loss/accuracy and (when a test set is given) test accuracy.</summary>
public sealed record EpochReport(int Epoch, double Loss, double TrainAccuracy, double? TestAccuracy, double ImagesPerSecond, TimeSpan Elapsed);

/// <summary>Mini-batch training of a <see cref="TrainingGraph"/> with softmax cross-entropy.</summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainContext _ctx;
    private float[] _dLogits = [];

    /// <summary>
    /// A trainer of <paramref name="graph"/>; with <paramref name="teacher"/> (not owned) and
    /// <see cref="TrainOptions.DistillWeight"/> &gt; 0 the loss blends in distillation against the teacher's logits.
    /// </summary>
    public Trainer(TrainingGraph graph, TrainOptions options, Teacher? teacher = null)
    {
        if (!(options.DistillWeight >= 0 && options.DistillWeight <= 1))
            throw new BrambleException($"training: distillation weight must be in [0, 1], got {options.DistillWeight}");
        if (options.DistillWeight > 0 && teacher == null) throw new BrambleException("training: a distillation weight needs a teacher model");
        if (teacher != null && !teacher.SampleShape.AsSpan().SequenceEqual(graph.SampleShape))
            throw new ShapeException($"training: the teacher takes {Tensors.ShapeUtil.Format(teacher.SampleShape)} samples but the student {Tensors.ShapeUtil.Format(graph.SampleShape)}");
        Graph = graph;
        Options = options;
        Teacher = options.DistillWeight > 0 ? teacher : null;
        _ctx = new TrainContext(options.Threads, options.Seed);
        Optimizer = Optimizers.Optimizer.Create(options.Optimizer, options.WeightDecay);
    }

    public TrainingGraph Graph { get; }
    public TrainOptions Options { get; }
    public Optimizer Optimizer { get; }
    public Teacher? Teacher { get; }
    public TrainContext Context => _ctx;

    /// <summary>Trains for <see cref="TrainOptions.Epochs"/> epochs; evaluates on <paramref name="test"/> after each.</summary>
    public List<EpochReport> Fit(Dataset train, Dataset? test = null, Action<BatchProgress>? progress = null, Action<EpochReport>? epochDone = null)
    {
        if (!train.SampleShape.AsSpan().SequenceEqual(Graph.SampleShape))
            throw new ShapeException($"training: images are {Tensors.ShapeUtil.Format(train.SampleShape)} but the model expects {Tensors.ShapeUtil.Format(Graph.SampleShape)}");
        var loader = new DataLoader(train, Options.BatchSize, shuffle: true, Options.Augmentation, Options.Seed);
        long totalSteps = (long)loader.BatchCount * Options.Epochs;
        var schedule = LearningRateSchedule.Create(Options.Schedule, Options.LearningRate, loader.BatchCount, Options.WarmupEpochs);
        var reports = new List<EpochReport>();
        long step = 0;
        for (int epoch = 0; epoch < Options.Epochs; epoch++)
        {
            loader.StartEpoch(epoch);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int b = 0; b < loader.BatchCount; b++)
            {
                int n = loader.GetBatch(b, out var samples, out var labels);
                float lr = schedule.Rate(step++, totalSteps);
                var (loss, right) = TrainStep(samples, labels, n, lr);
                lossSum += loss * n;
                correct += right;
                seen += n;
                if (progress != null && (b % 10 == 9 || b == loader.BatchCount - 1))
                    progress(new BatchProgress(epoch + 1, b + 1, loader.BatchCount, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds, lr));
            }
            double rate = seen / clock.Elapsed.TotalSeconds;
            double? testAccuracy = test != null ? Evaluate(test) : null;
            var report = new EpochReport(epoch + 1, lossSum / seen, (double)correct / seen, testAccuracy, rate, clock.Elapsed);
            reports.Add(report);
            epochDone?.Invoke(report);
        }
        return reports;
    }

    /// <summary>One forward, backward and optimiser update; returns the batch's mean loss and correct count.</summary>
    public (double Loss, int Correct) TrainStep(ReadOnlySpan<float> samples, ReadOnlySpan<int> labels, int batch, float lr)
    {
        _ctx.Training = true;
        var logits = Graph.Forward(samples, batch, _ctx);
        if (_dLogits.Length != logits.Length) _dLogits = new float[logits.Length];
        int classes = logits.Length / batch;
        var result = SoftmaxCrossEntropy.Compute(logits.Data, batch, classes, labels, _dLogits, Options.LabelSmoothing);
        if (Teacher != null) result = (Distill(samples, batch, classes, result.Loss), result.Correct);
        if (double.IsNaN(result.Loss)) throw new BrambleException("training diverged: the loss is NaN (lower the learning rate)");
        Graph.Backward(_dLogits, _ctx);
        Optimizer.Step(Graph.Parameters, lr);
        return result;
    }

    /// <summary>Scales the hard-label gradient by 1 − α and adds α times the distillation gradient; returns the blended loss.</summary>
    private double Distill(ReadOnlySpan<float> samples, int batch, int classes, double hardLoss)
    {
        float alpha = Options.DistillWeight;
        var teacherLogits = Teacher!.Logits(samples, batch);
        if (teacherLogits.Length != _dLogits.Length)
            throw new ShapeException($"training: the teacher gives {teacherLogits.Length / batch} outputs per sample, the student {classes}");
        for (int i = 0; i < _dLogits.Length; i++) _dLogits[i] *= 1 - alpha;
        double soft = DistillationLoss.Compute(Graph.Output.Data, teacherLogits, batch, classes, Options.DistillTemperature, alpha, _dLogits);
        return (1 - alpha) * hardLoss + alpha * soft;
    }

    /// <summary>Top-1 accuracy of the training graph in inference mode (running BN statistics, no dropout).</summary>
    public double Evaluate(Dataset data, int batchSize = 250)
    {
        _ctx.Training = false;
        var loader = new DataLoader(data, batchSize, shuffle: false);
        loader.StartEpoch(0);
        long correct = 0;
        for (int b = 0; b < loader.BatchCount; b++)
        {
            int n = loader.GetBatch(b, out var samples, out var labels);
            var logits = Graph.Forward(samples, n, _ctx);
            int classes = logits.Length / n;
            correct += SoftmaxCrossEntropy.Compute(logits.Data, n, classes, labels, Span<float>.Empty).Correct;
        }
        _ctx.Training = true;
        return (double)correct / data.Count;
    }

    public void Dispose() => _ctx.Dispose();
}
