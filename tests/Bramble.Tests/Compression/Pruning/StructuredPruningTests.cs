using Bramble.Compression.Pruning;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Pruning;

public class StructuredPruningTests
{
    [Fact]
    public void RemovingNothingLeavesOutputsIdentical()
    {
        using var model = PruningModels.Chain(1, deadFilters: false);
        using var x = PruningModels.Random(new Random(7), 1, 3, 8, 8);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0 });
        Assert.Equal(before, PruningModels.Run(model, x));
        Assert.All(report, r => Assert.Equal(r.FiltersBefore, r.FiltersKept));
    }

    [Fact]
    public void RemovingZeroFiltersKeepsOutputsAndShrinksEveryLayerThatFollows()
    {
        using var model = PruningModels.Chain(2, deadFilters: true);
        using var x = PruningModels.Random(new Random(8), 1, 3, 8, 8);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.25, Criterion = FilterCriterion.L1 });
        PruningModels.AssertClose(before, PruningModels.Run(model, x), 1e-5f);

        Assert.Equal((8, 6), (report[0].FiltersBefore, report[0].FiltersKept));
        Assert.Equal((6, 5), (report[1].FiltersBefore, report[1].FiltersKept));
        Assert.Contains("graph output", report[2].Note);
        var g = model.Graph;
        Node Find(string name) => g.Nodes.Single(n => n.Name == name);
        Assert.Equal(new[] { 6, 3, 3, 3 }, g.Initializers[Find("conv1").Inputs[1]].Shape);
        Assert.Equal(new[] { 6 }, g.Initializers[Find("conv1").Inputs[2]].Shape);
        Assert.All(Find("bn1").Inputs.Skip(1), n => Assert.Equal(new[] { 6 }, g.Initializers[n].Shape));
        Assert.Equal(new[] { 5, 6, 1, 1 }, g.Initializers[Find("conv2").Inputs[1]].Shape);
        Assert.Equal(new[] { 4, 5, 3, 3 }, g.Initializers[Find("conv3").Inputs[1]].Shape);
        // The original dense weights are gone from the model.
        Assert.False(g.Initializers.ContainsKey("w1"));
    }

    [Fact]
    public void RemovingLiveFiltersChangesOutputs()
    {
        // Guards the identity test above: pruning real filters must make a difference.
        using var model = PruningModels.Chain(3, deadFilters: false);
        using var x = PruningModels.Random(new Random(9), 1, 3, 8, 8);
        var before = PruningModels.Run(model, x);
        StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.5 });
        var after = PruningModels.Run(model, x);
        Assert.Contains(before.Zip(after), p => MathF.Abs(p.First - p.Second) > 1e-3f);
    }

    [Fact]
    public void BnScaleRanksByGamma()
    {
        using var model = PruningModels.Chain(4, deadFilters: false);
        var gamma = model.Graph.Initializers["gamma"].AsSpan<float>();
        for (int i = 0; i < 8; i++) gamma[i] = 1 + i;
        gamma[6] = 0.01f;
        gamma[1] = -0.02f;
        var w1 = model.Graph.Initializers["w1"].Clone();
        StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.25, Criterion = FilterCriterion.BnScale });
        var conv1 = model.Graph.Nodes.Single(n => n.Name == "conv1");
        var kept = model.Graph.Initializers[conv1.Inputs[1]].AsReadOnlySpan<float>();
        int[] expected = [0, 2, 3, 4, 5, 7];
        for (int j = 0; j < expected.Length; j++)
            Assert.True(kept.Slice(j * 27, 27).SequenceEqual(w1.AsReadOnlySpan<float>().Slice(expected[j] * 27, 27)));
        w1.Dispose();
    }

    [Fact]
    public void ResidualAddAndDepthwiseBlockPruningAndSayWhy()
    {
        var rng = new Random(5);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 4, 6, 6));
        g.Initializers["wa"] = PruningModels.Random(rng, 4, 4, 3, 3);
        g.Initializers["wd"] = PruningModels.Random(rng, 4, 1, 3, 3);
        g.Initializers["wb"] = PruningModels.Random(rng, 4, 4, 1, 1);
        g.Nodes.Add(PruningModels.Conv("a", "x", "wa", null, "ya", 3));
        g.Nodes.Add(new Node("Add", ["ya", "x"], ["s"], "residual"));
        g.Nodes.Add(PruningModels.Conv("dw", "s", "wd", null, "yd", 3, group: 4));
        g.Nodes.Add(PruningModels.Conv("b", "yd", "wb", null, "y", 1));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 4, 6, 6));
        using var model = new Model(g);
        using var x = PruningModels.Random(rng, 1, 4, 6, 6);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.5 });
        Assert.Contains("residual", report.Single(r => r.Node == "a").Note);
        Assert.Contains("depthwise", report.Single(r => r.Node == "dw").Note);
        Assert.All(report, r => Assert.Equal(r.FiltersBefore, r.FiltersKept));
        Assert.Equal(before, PruningModels.Run(model, x));
    }

    [Fact]
    public void FractionOutOfRangeIsRejected()
    {
        using var model = PruningModels.Chain(1, false);
        Assert.Throws<BrambleException>(() => StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 1 }));
    }
}
