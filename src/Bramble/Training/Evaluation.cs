using System.Diagnostics;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Training.Data;

namespace Bramble.Training;

/// <summary>Classification quality of a model: top-1/top-5 accuracy, the confusion matrix and throughput.</summary>
public sealed record EvaluationReport(int Count, double Top1, double Top5, int[,] Confusion, double ImagesPerSecond, IReadOnlyList<string> ClassNames);

/// <summary>Runs a classifier through Bramble's <see cref="InferenceSession"/> over a dataset.</summary>
public static class Evaluator
{
    /// <summary>Top-1/top-5 of <paramref name="session"/>'s classifier over <paramref name="data"/> in batches of <paramref name="batchSize"/>.</summary>
    /// <param name="session">A session of a model with one image input and logits [N, classes] as its first output.</param>
    /// <param name="data">The labelled images.</param>
    /// <param name="batchSize">Images per inference call.</param>
    /// <param name="progress">Called after each batch with (images done, total).</param>
    public static EvaluationReport Evaluate(InferenceSession session, Dataset data, int batchSize = 100, Action<int, int>? progress = null)
    {
        if (session.InputMetadata.Count != 1) throw new BrambleException($"evaluation needs a model with one input, found {session.InputMetadata.Count}");
        string inputName = session.InputMetadata[0].Name;
        string outputName = session.OutputMetadata[0].Name;
        int classes = data.ClassNames.Count;
        var confusion = new int[classes, classes];
        int top1 = 0, top5 = 0;
        var clock = new Stopwatch();
        var loader = new DataLoader(data, batchSize, shuffle: false);
        loader.StartEpoch(0);
        for (int b = 0; b < loader.BatchCount; b++)
        {
            int n = loader.GetBatch(b, out var samples, out var labels);
            using var input = Tensor.FromSpan(samples, [n, .. data.SampleShape]);
            clock.Start();
            var outputs = session.Run(new Dictionary<string, Tensor> { [inputName] = input });
            clock.Stop();
            using var logits = outputs[outputName];
            foreach (var (name, t) in outputs) if (name != outputName) t.Dispose();
            if (logits.Length != (long)n * classes)
                throw new ShapeException($"evaluation: model output '{outputName}' {ShapeUtil.Format(logits.Shape)} is not [{n}, {classes}]");
            var scores = logits.AsSpan<float>();
            for (int i = 0; i < n; i++)
            {
                var row = scores.Slice(i * classes, classes);
                int label = labels[i];
                int best = 0, above = 0;
                for (int c = 0; c < classes; c++)
                {
                    if (row[c] > row[best]) best = c;
                    if (row[c] > row[label]) above++;
                }
                confusion[label, best]++;
                if (best == label) top1++;
                if (above < 5) top5++;
            }
            progress?.Invoke(Math.Min(data.Count, (b + 1) * batchSize), data.Count);
        }
        return new EvaluationReport(data.Count, (double)top1 / data.Count, (double)top5 / data.Count, confusion,
            data.Count / Math.Max(1e-9, clock.Elapsed.TotalSeconds), data.ClassNames);
    }
}
