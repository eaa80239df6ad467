using Bramble.Compression.Pruning;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Pruning;

public class MagnitudePruningTests
{
    private static double Sparsity(Bramble.Graph.Model m, string node) =>
        PrunableLayer.Sparsity(m.Graph.Initializers[m.Graph.Nodes.Single(n => n.Name == node).Inputs[1]]);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.8)]
    [InlineData(0.9)]
    public void PerLayerHitsTargetAndExemptsFirstAndLast(double target)
    {
        using var model = PruningModels.Chain(11, deadFilters: false);
        var w1 = model.Graph.Initializers["w1"].AsReadOnlySpan<float>().ToArray();
        var report = MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = target });
        Assert.Equal(3, report.Count);
        Assert.Equal("exempt", report[0].Note);
        Assert.Equal("exempt", report[2].Note);
        Assert.Equal(w1, model.Graph.Initializers[model.Graph.Nodes[0].Inputs[1]].AsReadOnlySpan<float>().ToArray());
        // conv2 has 48 weights: round(target · 48) of them are zero, no more, no fewer.
        Assert.Equal(Math.Round(target * 48) / 48, Sparsity(model, "conv2"), 6);
        Assert.Equal(Sparsity(model, "conv2"), report[1].SparsityAfter, 6);
    }

    /// <summary>x → conv1 3×3 (4) → dw 3×3 (group 4) → conv3 1×1 (4) → conv4 1×1 (2): the depthwise layer stays dense unless asked.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DepthwiseConvsAreExemptByDefault(bool exempt)
    {
        var rng = new Random(5);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(Bramble.Graph.ValueInfo.Of("x", DataType.Float32, 1, 3, 6, 6));
        g.Initializers["w1"] = PruningModels.Random(rng, 4, 3, 3, 3);
        g.Initializers["wd"] = PruningModels.Random(rng, 4, 1, 3, 3);
        g.Initializers["w3"] = PruningModels.Random(rng, 4, 4, 1, 1);
        g.Initializers["w4"] = PruningModels.Random(rng, 2, 4, 1, 1);
        g.Nodes.Add(PruningModels.Conv("conv1", "x", "w1", null, "a", 3));
        g.Nodes.Add(PruningModels.Conv("dw", "a", "wd", null, "b", 3, group: 4));
        g.Nodes.Add(PruningModels.Conv("conv3", "b", "w3", null, "c", 1));
        g.Nodes.Add(PruningModels.Conv("conv4", "c", "w4", null, "y", 1));
        g.Outputs.Add(Bramble.Graph.ValueInfo.Of("y", DataType.Float32, 1, 2, 6, 6));
        using var model = new Bramble.Graph.Model(g);
        var report = MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.75, ExemptDepthwise = exempt });
        Assert.Equal(exempt ? MagnitudePruning.DepthwiseNote : "", report[1].Note);
        Assert.Equal(exempt, report[1].Exempt);
        Assert.Equal(exempt ? 0 : 27 / 36.0, Sparsity(model, "dw"), 6);
        Assert.Equal(0.75, Sparsity(model, "conv3"), 6);
    }

    [Fact]
    public void KeptWeightsAreTheLargest()
    {
        using var model = PruningModels.Chain(12, deadFilters: false);
        var originals = model.Graph.Nodes.Where(n => n.OpType == "Conv")
            .ToDictionary(n => n.Name, n => model.Graph.Initializers[n.Inputs[1]].AsReadOnlySpan<float>().ToArray());
        MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.5, ExemptFirst = false, ExemptLast = false });
        foreach (var node in model.Graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            var w = model.Graph.Initializers[node.Inputs[1]].AsReadOnlySpan<float>();
            var original = originals[node.Name];
            float maxZeroed = 0, minKept = float.MaxValue;
            for (int i = 0; i < w.Length; i++)
            {
                if (w[i] == 0) maxZeroed = MathF.Max(maxZeroed, MathF.Abs(original[i]));
                else { Assert.Equal(original[i], w[i]); minKept = MathF.Min(minKept, MathF.Abs(w[i])); }
            }
            Assert.True(minKept >= maxZeroed, $"{node.Name}: kept {minKept} < zeroed {maxZeroed}");
        }
    }

    [Fact]
    public void GlobalHitsTargetOverAllPrunedLayers()
    {
        using var model = PruningModels.Chain(13, deadFilters: false);
        MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.7, Scope = PruningScope.Global, ExemptFirst = false, ExemptLast = false });
        long zeros = 0, total = 0;
        foreach (var node in model.Graph.Nodes.Where(n => n.OpType == "Conv"))
            foreach (float v in model.Graph.Initializers[node.Inputs[1]].AsReadOnlySpan<float>()) { total++; if (v == 0) zeros++; }
        Assert.Equal(Math.Round(0.7 * total), zeros);
    }

    [Fact]
    public void PrunedModelStillRunsAndZeroSparsityChangesNothing()
    {
        using var model = PruningModels.Chain(14, deadFilters: false);
        using var x = PruningModels.Random(new Random(1), 1, 3, 8, 8);
        var before = PruningModels.Run(model, x);
        MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0 });
        Assert.Equal(before, PruningModels.Run(model, x));
        MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.6 });
        Assert.NotEqual(before, PruningModels.Run(model, x));
    }

    [Fact]
    public void GradualScheduleRisesCubicallyToTheTarget()
    {
        Assert.Equal(0.0, MagnitudePruning.GradualSparsity(0, 0.9, 0, 10), 9);
        Assert.Equal(0.9, MagnitudePruning.GradualSparsity(0, 0.9, 10, 10), 9);
        Assert.Equal(0.9 - 0.9 * 0.125, MagnitudePruning.GradualSparsity(0, 0.9, 5, 10), 9);
        using var w = Tensor.FromArray(new[] { 0.1f, -3f, 0.5f, 2f }, 4);
        var mask = MagnitudePruning.Mask(w, 0.5);
        Assert.Equal(new[] { 0f, 1f, 0f, 1f }, mask);
    }
}
