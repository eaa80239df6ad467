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

    public Trainer(TrainingGraph graph, TrainOptions options)
    {
        Graph = graph;
        Options = options;
        _ctx = new TrainContext(options.Threads, options.Seed);
        Optimizer = Optimizers.Optimizer.Create(options.Optimizer, options.WeightDecay);
    }

    public TrainingGraph Graph { get; }
    public TrainOptions Options { get; }
    public Optimizer Optimizer { get; }
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
        if (double.IsNaN(result.Loss)) throw new BrambleException("training diverged: the loss is NaN (lower the learning rate)");
        Graph.Backward(_dLogits, _ctx);
        Optimizer.Step(Graph.Parameters, lr);
        return result;
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
