using Bramble.Compression.Binarization;
using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Bramble.Training;
using Bramble.Training.Data;
using Bramble.Training.Models;

namespace Bramble.Tests.Compression.Binarization;

public class BinaryNetworkTrainerTests
{
    [Fact]
    public void SignFollowsOnnxForwardAndPassesGradientsStraightThroughInsideUnitRange()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 6));
        g.Nodes.Add(new Node("Sign", ["x"], ["y"]));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 6));
        var graph = new Bramble.Training.Autodiff.TrainingGraph(g) { InputRequiresGradient = true };
        graph.RefreshGradientFlow();
        using var ctx = new Bramble.Training.Autodiff.TrainContext(1, 1);
        var y = graph.Forward([-2f, -0.5f, 0f, 0.25f, 1f, 3f], 1, ctx);
        Assert.Equal([-1f, -1f, 0f, 1f, 1f, 1f], y.Data);
        graph.Backward([1f, 2f, 3f, 4f, 5f, 6f], ctx);
        Assert.Equal([0f, 2f, 3f, 4f, 5f, 0f], graph.Input.Grad);
    }

    [Fact]
    public void VggKeepsFirstAndLastRealAndBinarisesTheRestBehindSign()
    {
        var graph = Architectures.Build("vgg", seed: 3);
        int relusBefore = graph.Nodes.Count(n => n.OpType == "Relu");
        var decisions = BinaryTrainingRewrite.Apply(graph);

        Assert.Equal(7, decisions.Count); // 5 convs, 2 dense layers
        Assert.False(decisions[0].Binarised);
        Assert.False(decisions[^1].Binarised);
        Assert.All(decisions.Skip(1).SkipLast(1), d => Assert.True(d.Binarised, d.Reason));
        var producers = graph.ProducerMap();
        foreach (var d in decisions.Where(d => d.Binarised))
            Assert.Equal("Sign", producers[d.Layer.Inputs[0]].OpType);
        // Every Relu in front of a binarised layer is gone; the one before the real classifier stays.
        Assert.Equal(6, relusBefore);
        Assert.Single(graph.Nodes, n => n.OpType == "Relu");
    }

    [Fact]
    public void AReluOutputOtherLayersReadIsNotRemoved()
    {
        // ResNet: a block's Relu output feeds both the next conv and the shortcut Add.
        var graph = Architectures.Build("resnet", seed: 3);
        var decisions = BinaryTrainingRewrite.Apply(graph);
        GraphValidator.ValidateAndSort(graph);
        var consumers = graph.ConsumerMap();
        var producers = graph.ProducerMap();
        foreach (var d in decisions.Where(d => d.Binarised))
        {
            var sign = producers[d.Layer.Inputs[0]];
            Assert.Equal("Sign", sign.OpType);
            Assert.NotEqual("Relu", producers.GetValueOrDefault(sign.Inputs[0])?.OpType); // never Sign(Relu(x))
        }
        Assert.Contains(graph.Nodes, n => n.OpType == "Add" && consumers.ContainsKey(n.Outputs[0]));
    }

    [Theory]
    [InlineData("vgg", 5)]
    [InlineData("lenet", 2)]
    public void StorageFormPacksToBitsAndMatchesTheTrainedGraph(string arch, int binaryLayers)
    {
        var data = RandomImages.Create(32, 28, 7);
        using var start = new Model(Architectures.Build(arch, seed: 4));
        using var trainer = new BinaryNetworkTrainer(start, new TrainOptions { Epochs = 1, BatchSize = 8, Seed = 4, LearningRate = 1e-3f });
        Assert.Equal(binaryLayers, trainer.Layers.Count(l => l.Binarised));
        trainer.Fit(data);

        var samples = new float[4 * 784];
        for (int i = 0; i < 4; i++) data.CopySample(i, samples.AsSpan(i * 784, 784));
        var ctx = new Bramble.Training.Autodiff.TrainContext(1, 1) { Training = false };
        float[] expected = (float[])trainer.Graph.Forward(samples, 4, ctx).Data.Clone();
        ctx.Dispose();

        string path = Path.Combine(Path.GetTempPath(), $"bramble-binary-{arch}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var exported = trainer.Export()) OnnxWriter.Save(exported, path);
            using var packed = new InferenceSession(path, new SessionOptions { Threads = 1 });
            int packedLayers = packed.Model.Graph.Nodes.Count(n => n.Domain == OpRegistry.BrambleDomain && n.OpType is "BinaryConv" or "BinaryGemm");
            Assert.Equal(binaryLayers, packedLayers);

            using var floatEquivalent = new InferenceSession(path, new SessionOptions { Threads = 1, Optimization = OptimizationLevel.None, ReferenceKernels = true });
            using var input = Tensor.FromArray(samples, 4, 1, 28, 28);
            foreach (var session in new[] { packed, floatEquivalent })
            {
                var outputs = session.Run(new Dictionary<string, Tensor> { ["input"] = input });
                using var logits = outputs["logits"];
                var actual = logits.ToArray<float>();
                // Sign makes tiny rounding differences flip a bit now and then; compare predictions and scale-relative error.
                float scale = expected.Max(MathF.Abs);
                double meanError = actual.Zip(expected, (a, e) => (double)MathF.Abs(a - e)).Average();
                Assert.True(meanError <= 0.02 * scale, $"{arch}: mean logit error {meanError} for scale {scale}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BinaryLeNetLearnsFashionMnist()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        var train = FashionMnist.Load(train: true).Take(3000);
        var test = FashionMnist.Load(train: false).Take(1000);
        using var start = new Model(Architectures.Build("lenet", seed: 2));
        using var trainer = new BinaryNetworkTrainer(start, new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 2e-3f, Seed = 2 });
        double before = trainer.Evaluate(test);
        trainer.Fit(train);
        double after = trainer.Evaluate(test);
        Assert.True(after > 0.6 && after > before + 0.2, $"binary LeNet test accuracy {before:P1} → {after:P1}");
    }

    [Fact]
    public void AModelWithNothingToBinariseIsAClearError()
    {
        // LeNet with first and last kept real still has two layers; keep none binarisable by using a 2-layer net.
        var b = new GraphBuilder("tiny", 1, 8, 8, 1);
        string x = b.Relu(b.Conv(b.Input, 1, 4, 3));
        using var model = new Model(b.Finish(b.Dense(b.Flatten(x), 4 * 8 * 8, 10), 10));
        var e = Assert.Throws<BrambleException>(() => new BinaryNetworkTrainer(model, new TrainOptions()));
        Assert.Contains("first layer stays real", e.Message);
    }
}
