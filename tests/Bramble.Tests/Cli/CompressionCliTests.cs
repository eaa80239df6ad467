using System.Text.Json;
using Bramble.Graph;
using Bramble.Tests.Support;
using Bramble.Training.Models;
using static Bramble.Tests.Cli.CliHarness;

namespace Bramble.Tests.Cli;

/// <summary>`bramble prune` / `bramble decompose` with fine-tuning: argument errors and one small end-to-end run.</summary>
public class CompressionCliTests
{
    private static readonly Dictionary<string, Func<Model>> Models = new()
    {
        ["lenet.onnx"] = () => new Model(Architectures.Build("lenet", seed: 3)),
    };

    [Theory]
    [InlineData("--finetune needs labelled training images", "prune", "lenet.onnx", "--sparsity", "0.5", "--finetune", "1", "-o", "x.onnx")]
    [InlineData("--finetune needs labelled training images", "decompose", "lenet.onnx", "--method", "spatial", "--speedup", "2", "--finetune", "2", "-o", "x.onnx")]
    [InlineData("--target-ms is a latency of the model's own batch", "decompose", "lenet.onnx", "--method", "spatial", "--target-ms", "1", "--timing-batch", "8", "-o", "x.onnx")]
    [InlineData("--schedule gradual needs", "prune", "lenet.onnx", "--sparsity", "0.5", "--schedule", "gradual", "-o", "x.onnx")]
    [InlineData("--schedule gradual needs", "prune", "lenet.onnx", "--method", "structured", "--sparsity", "0.5", "--schedule", "gradual", "--finetune", "1", "-o", "x.onnx")]
    [InlineData("give exactly one of --sparsity, --speedup", "prune", "lenet.onnx", "--sparsity", "0.5", "--speedup", "2", "-o", "x.onnx")]
    [InlineData("expected a fraction in [0, 1)", "prune", "lenet.onnx", "--sparsity", "1.5", "-o", "x.onnx")]
    [InlineData("--finetune must be at least 0", "prune", "lenet.onnx", "--sparsity", "0.5", "--finetune", "-1", "-o", "x.onnx")]
    [InlineData("--finetune-lr must be in (0, 1)", "prune", "lenet.onnx", "--sparsity", "0.5", "--finetune-lr", "3", "-o", "x.onnx")]
    [InlineData("--finetune-distill must be in [0, 1]", "decompose", "lenet.onnx", "--method", "spatial", "--speedup", "2", "--finetune-distill", "2", "-o", "x.onnx")]
    [InlineData("--finetune-distill applies to fine-tuning", "decompose", "lenet.onnx", "--method", "spatial", "--speedup", "2", "--finetune-distill", "0.5", "-o", "x.onnx")]
    [InlineData("--finetune-augment applies to fine-tuning", "prune", "lenet.onnx", "--sparsity", "0.5", "--finetune-augment", "-o", "x.onnx")]
    [InlineData("--finetune-label-smoothing must be in [0, 1)", "prune", "lenet.onnx", "--sparsity", "0.5", "--finetune", "1", "--finetune-label-smoothing", "1", "-o", "x.onnx")]
    [InlineData("--steps must be at least 2", "prune", "lenet.onnx", "--sparsity", "0.5", "--steps", "1", "-o", "x.onnx")]
    [InlineData("unknown dataset 'imagenet'", "prune", "lenet.onnx", "--sparsity", "0.5", "--dataset", "imagenet", "-o", "x.onnx")]
    public void BadArgumentsGiveOneLineUsageErrors(string message, params string[] args)
    {
        var r = Run(Models, args);
        Assert.Equal(2, r.Code);
        Assert.Contains(message, r.SingleErrorLine());
    }

    [Fact]
    public void PruneFineTunesAndReportsAccuracyBeforeAfterAndFineTuned()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "prune", "lenet.onnx", "--sparsity", "0.6", "--dataset", "fashion-mnist", "--finetune", "1", "--finetune-images", "96",
            "--test-count", "40", "-n", "1", "-t", "1", "-o", dir.File("p.onnx"), "--json", dir.File("p.json"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("top-1 before pruning", r.Out);
        Assert.Contains("top-1 after fine-tuning", r.Out);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("p.json")));
        var root = json.RootElement;
        Assert.Equal("magnitude", root.GetProperty("method").GetString());
        Assert.InRange(root.GetProperty("top1FineTuned").GetDouble(), 0, 1);
        Assert.Equal(1, root.GetProperty("fineTuneEpochs").GetInt32());
        // The saved model is the fine-tuned one and still 60 % sparse in the pruned layers.
        using var saved = Bramble.Import.ModelLoader.Load(dir.File("p.onnx"));
        var pruned = Bramble.Compression.Pruning.PrunableLayer.Find(saved.Graph).Where(l => l.WeightName.EndsWith("_pruned")).ToList();
        Assert.NotEmpty(pruned);
        Assert.All(pruned, l => Assert.Equal(0.6, Bramble.Compression.Pruning.PrunableLayer.Sparsity(l.Weight), 2));
    }

    [Fact]
    public void GradualPruningHoldsTheTargetSparsity()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "prune", "lenet.onnx", "--sparsity", "0.75", "--schedule", "gradual", "--steps", "3", "--dataset", "fashion-mnist",
            "--finetune", "1", "--finetune-images", "96", "--test-count", "20", "-n", "1", "-t", "1", "-o", dir.File("g.onnx"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("step 3/3: sparsity 75.0%", r.Out);
        Assert.Contains("3 steps", r.Out);
        using var saved = Bramble.Import.ModelLoader.Load(dir.File("g.onnx"));
        var pruned = Bramble.Compression.Pruning.PrunableLayer.Find(saved.Graph).Where(l => l.WeightName.Contains("_pruned")).ToList();
        Assert.Equal(2, pruned.Count);
        Assert.All(pruned, l => Assert.Equal(0.75, Bramble.Compression.Pruning.PrunableLayer.Sparsity(l.Weight), 2));
    }

    [Fact]
    public void DecomposeByTimeReportsTimedLayersAndBatchLatency()
    {
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "decompose", "lenet.onnx", "--method", "spatial", "--speedup", "1.5", "--random-calib", "--calib-count", "2",
            "--timing-batch", "2", "-n", "1", "-t", "1", "-o", dir.File("d.onnx"));
        Assert.True(r.Code == 0, r.Err);
        // Whatever the machine's speed, the report names the clock and batch the layers were timed at, and the batch latency.
        Assert.Contains("timed layers (ms (", r.Out);
        Assert.Contains("batch 2)", r.Out);
        Assert.Contains("latency (batch 2,", r.Out);
    }

    [Fact]
    public void DecomposeFineTunesTheDecomposedModel()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        using var dir = TestResources.CreateTempDir();
        // --cost macs: whether a layer is kept must not depend on how fast this machine runs it today.
        var r = Run(Models, "decompose", "lenet.onnx", "--method", "spatial", "--rank", "2", "--cost", "macs", "--dataset", "fashion-mnist", "--calib-count", "4",
            "--eval-count", "4", "--finetune", "1", "--finetune-images", "64", "--finetune-augment", "--finetune-label-smoothing", "0.1", "--finetune-distill", "0.7", "--test-count", "20", "-n", "1", "-t", "1",
            "-o", dir.File("d.onnx"), "--json", dir.File("d.json"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("augmented, label smoothing 0.1, distilled from the original (weight 0.7, T 4)", r.Out);
        Assert.Contains("top-1 after decomposition", r.Out);
        Assert.Contains("top-1 after fine-tuning", r.Out);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("d.json")));
        Assert.True(json.RootElement.GetProperty("macsAfter").GetInt64() < json.RootElement.GetProperty("macsBefore").GetInt64());
        Assert.InRange(json.RootElement.GetProperty("top1FineTuned").GetDouble(), 0, 1);
        // The saved model is the fine-tuned decomposition: more Conv nodes than the original's two.
        using var saved = Bramble.Import.ModelLoader.Load(dir.File("d.onnx"));
        Assert.True(saved.Graph.Nodes.Count(n => n.OpType == "Conv") > 2);
    }
}
