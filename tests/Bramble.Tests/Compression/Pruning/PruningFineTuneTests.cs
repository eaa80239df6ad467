using Bramble.Compression.Pruning;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Bramble.Training;
using Bramble.Training.Data;
using Bramble.Training.Models;

namespace Bramble.Tests.Compression.Pruning;

/// <summary>Fine-tuning pruned models: masks hold, schedules reach their target, training helps.</summary>
public class PruningFineTuneTests
{
    private static readonly TrainOptions Quick = new() { Epochs = 1, BatchSize = 32, LearningRate = 2e-3f, Threads = 1, Seed = 3 };

    private static Dictionary<string, float[]> Weights(Model model) =>
        PrunableLayer.Find(model.Graph).ToDictionary(l => l.Node.DisplayName, l => l.Weight.AsReadOnlySpan<float>().ToArray());

    [Fact]
    public void PrunedWeightsStayExactlyZeroWhileTheOthersTrain()
    {
        using var model = new Model(Architectures.Build("lenet", size: 12, seed: 4));
        var report = MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.7 });
        var pruned = Weights(model);
        var keep = report.Where(r => !r.Exempt).Select(r => r.Weight).ToList();
        Assert.NotEmpty(keep);

        using var tuned = FineTuning.Run(model, RandomImages.Create(128, 12, 5), Quick, keep);
        var after = Weights(tuned);
        foreach (var r in report.Where(r => !r.Exempt))
        {
            float[] w0 = pruned[r.Node], w1 = after[r.Node];
            int zeros = 0, moved = 0;
            for (int i = 0; i < w0.Length; i++)
            {
                if (w0[i] == 0f) { Assert.Equal(0f, w1[i]); zeros++; }
                else if (w1[i] != w0[i]) moved++;
            }
            Assert.Equal((int)Math.Round(0.7 * w0.Length), zeros);
            Assert.True(moved > w0.Length / 10, $"{r.Node}: only {moved} unpruned weights changed: the fine-tuning did not train");
        }
        // The exempt first layer is dense and trains freely.
        var first = report.First(r => r.Exempt);
        Assert.Equal(0, after[first.Node].Count(v => v == 0f));
    }

    [Fact]
    public void WithoutMasksTheZerosWouldMove()
    {
        // Guards the test above: the same fine-tuning without masks does change pruned weights.
        using var model = new Model(Architectures.Build("lenet", size: 12, seed: 4));
        var report = MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.7 });
        using var tuned = FineTuning.Run(model, RandomImages.Create(128, 12, 5), Quick);
        var layer = report.First(r => !r.Exempt);
        Assert.True(PrunableLayer.Sparsity(tuned.Graph.Initializers[layer.Weight]) < 0.1);
    }

    [Fact]
    public void GradualScheduleReachesTheTargetInSteps()
    {
        using var model = new Model(Architectures.Build("lenet", size: 12, seed: 6));
        var steps = new List<PruningStep>();
        var (tuned, report) = PruningFineTune.Magnitude(model, new MagnitudePruningOptions { Sparsity = 0.8 }, 3,
            RandomImages.Create(96, 12, 7), Quick, steps.Add);
        using var _ = tuned;
        Assert.Equal(3, steps.Count);
        Assert.True(steps[0].Sparsity > 0 && steps[0].Sparsity < steps[1].Sparsity && steps[1].Sparsity < steps[2].Sparsity);
        Assert.Equal(0.8, steps[2].Sparsity, 12);
        Assert.Equal(96, steps.Sum(s => s.Images));
        foreach (var r in report.Where(r => !r.Exempt))
        {
            Assert.Equal(0, r.SparsityBefore);
            var w = tuned.Graph.Initializers[r.Weight];
            Assert.Equal(Math.Round(0.8 * w.Length) / w.Length, PrunableLayer.Sparsity(w), 9);
            Assert.Equal(PrunableLayer.Sparsity(w), r.SparsityAfter);
        }
        // The caller's model is untouched: still dense.
        Assert.All(PrunableLayer.Find(model.Graph), l => Assert.True(PrunableLayer.Sparsity(l.Weight) < 0.01));
    }

    [Fact]
    public void FineTuningLowersTheLossOfAPrunedModel()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        var data = FashionMnist.Load(train: true).Take(192);
        using var model = new Model(Architectures.Build("lenet", seed: 8));
        var report = MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.7, ExemptFirst = false });
        double before = Loss(model, data);
        using var tuned = FineTuning.Run(model, data, Quick with { Epochs = 3, BatchSize = 16, LearningRate = 5e-3f },
            report.Where(r => !r.Exempt).Select(r => r.Weight));
        double after = Loss(tuned, data);
        Assert.True(after < before * 0.85, $"loss {before:F4} -> {after:F4}");
    }

    /// <summary>Mean softmax cross-entropy of the model's logits over <paramref name="data"/>, through the inference session.</summary>
    private static double Loss(Model model, Dataset data)
    {
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        double sum = 0;
        var sample = new float[data.SampleSize];
        using var x = Tensor.Allocate(DataType.Float32, [data.Count, .. data.SampleShape]);
        var span = x.AsSpan<float>();
        for (int i = 0; i < data.Count; i++) data.CopySample(i, span.Slice(i * data.SampleSize, data.SampleSize));
        var outputs = session.Run(new Dictionary<string, Tensor> { ["input"] = x });
        var logits = outputs["logits"].AsReadOnlySpan<float>();
        int classes = logits.Length / data.Count;
        for (int i = 0; i < data.Count; i++)
        {
            var row = logits.Slice(i * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            double z = 0;
            foreach (float v in row) z += Math.Exp(v - max);
            sum += Math.Log(z) + max - row[data.Labels[i]];
        }
        foreach (var t in outputs.Values) t.Dispose();
        return sum / data.Count;
    }
}
