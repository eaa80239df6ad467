using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Bramble.Training;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;
using Bramble.Training.Models;

namespace Bramble.Tests.Training;

public class TrainingTests
{
    [Fact]
    public void LeNetOnAFashionMnistSubsetLearns()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        var train = FashionMnist.Load(train: true).Take(512);
        var graph = new TrainingGraph(Architectures.Build("lenet", seed: 2));
        using var trainer = new Trainer(graph, new TrainOptions { Epochs = 3, BatchSize = 32, LearningRate = 3e-3f, Seed = 2 });
        var reports = trainer.Fit(train);
        Assert.True(reports[^1].Loss < reports[0].Loss * 0.8, $"loss {reports[0].Loss:F3} → {reports[^1].Loss:F3}");
        Assert.True(trainer.Evaluate(train) > 0.5, "accuracy on the training subset is not above chance");
    }

    [Fact]
    public void TrainingIsDeterministicForASeedWhateverTheThreadCount()
    {
        var data = RandomImages.Create(40, 16, 1);
        float[] Train(int threads)
        {
            var graph = new TrainingGraph(Architectures.Build("mobilenet", size: 16, seed: 9));
            using var trainer = new Trainer(graph, new TrainOptions
            {
                Epochs = 1, BatchSize = 16, Seed = 4, Threads = threads, Optimizer = "nesterov", LearningRate = 0.05f,
                Augmentation = new Augmentation { CropPadding = 2, HorizontalFlip = true },
            });
            trainer.Fit(data);
            return graph.Parameters.SelectMany(p => p.Latent).ToArray();
        }
        var a = Train(2);
        Assert.Equal(a, Train(2));
        Assert.Equal(a, Train(1));
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("vgg")]
    [InlineData("resnet")]
    [InlineData("mobilenet")]
    public void ExportedModelMatchesTheTrainingGraphInTheInferenceSession(string arch)
    {
        var data = RandomImages.Create(24, 28, 3);
        var graph = new TrainingGraph(Architectures.Build(arch, seed: 5));
        using var trainer = new Trainer(graph, new TrainOptions { Epochs = 1, BatchSize = 8, Seed = 5 });
        trainer.Fit(data); // moves BN running statistics away from 0/1

        var samples = new float[4 * 784];
        for (int i = 0; i < 4; i++) data.CopySample(i, samples.AsSpan(i * 784, 784));
        trainer.Context.Training = false;
        float[] expected = (float[])graph.Forward(samples, 4, trainer.Context).Data.Clone();

        string path = Path.Combine(Path.GetTempPath(), $"bramble-{arch}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var model = graph.ExportModel()) OnnxWriter.Save(model, path);
            using var session = new InferenceSession(path, new SessionOptions { Threads = 1 });
            using var input = Tensor.FromArray(samples, 4, 1, 28, 28);
            var outputs = session.Run(new Dictionary<string, Tensor> { ["input"] = input });
            using var logits = outputs["logits"];
            var actual = logits.ToArray<float>();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++) Assert.True(MathF.Abs(actual[i] - expected[i]) <= 1e-3f * (1 + MathF.Abs(expected[i])), $"logit {i}: {actual[i]} vs {expected[i]}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WrongImageShapeIsReported()
    {
        var graph = new TrainingGraph(Architectures.Build("lenet", seed: 1));
        using var trainer = new Trainer(graph, new TrainOptions());
        Assert.Throws<ShapeException>(() => trainer.Fit(RandomImages.Create(4, 16, 1)));
        Assert.Throws<BrambleException>(() => Architectures.Build("alexnet"));
    }
}
