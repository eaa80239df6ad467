using Bramble.Compression.Pruning;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Pruning;

/// <summary>Structured pruning through depthwise convolutions, channel Concats and Flatten → Gemm.</summary>
public class StructuredRegionTests
{
    private static Node Find(Model m, string name) => m.Graph.Nodes.Single(n => n.Name == name);
    private static int[] WeightShape(Model m, string node, int input = 1) => m.Graph.Initializers[Find(m, node).Inputs[input]].Shape;

    /// <summary>
    /// x[1,3,8,8] → a 3×3 (8) → BN → Relu → dw 3×3 (group 8, bias) → Relu ┐
    /// x          → b 1×1 (4)                                            ├ Concat(axis 1, 12) → c 1×1 (5) → y
    /// With dead filters (a: 1 and 6, b: 2, zero weights, zero BN β and mean, zero dw bias) their channels are
    /// exactly zero all the way to c, so removing them leaves y as it was.
    /// </summary>
    private static Model DepthwiseConcat(int seed, bool dead)
    {
        var rng = new Random(seed);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 3, 8, 8));
        g.Initializers["wa"] = PruningModels.Random(rng, 8, 3, 3, 3);
        foreach (var (name, value) in new[] { ("gamma", 1f), ("beta", 0f), ("mean", 0f), ("var", 0f) })
        {
            var t = PruningModels.Random(rng, 8);
            if (name == "var") foreach (ref float v in t.AsSpan<float>()) v = 0.5f + MathF.Abs(v);
            g.Initializers[name] = t;
        }
        g.Initializers["wd"] = PruningModels.Random(rng, 8, 1, 3, 3);
        g.Initializers["bd"] = PruningModels.Random(rng, 8);
        g.Initializers["wb"] = PruningModels.Random(rng, 4, 3, 1, 1);
        g.Initializers["wc"] = PruningModels.Random(rng, 5, 12, 1, 1);
        if (dead)
        {
            foreach (int f in new[] { 1, 6 })
            {
                g.Initializers["wa"].AsSpan<float>().Slice(f * 27, 27).Clear();
                g.Initializers["beta"].AsSpan<float>()[f] = 0;
                g.Initializers["mean"].AsSpan<float>()[f] = 0;
                g.Initializers["bd"].AsSpan<float>()[f] = 0;
            }
            g.Initializers["wb"].AsSpan<float>().Slice(2 * 3, 3).Clear();
        }
        g.Nodes.Add(PruningModels.Conv("a", "x", "wa", null, "ya", 3));
        g.Nodes.Add(new Node("BatchNormalization", ["ya", "gamma", "beta", "mean", "var"], ["na"], "bn"));
        g.Nodes.Add(new Node("Relu", ["na"], ["ra"], "relu_a"));
        g.Nodes.Add(PruningModels.Conv("dw", "ra", "wd", "bd", "yd", 3, group: 8));
        g.Nodes.Add(new Node("Relu", ["yd"], ["rd"], "relu_d"));
        g.Nodes.Add(PruningModels.Conv("b", "x", "wb", null, "yb", 1));
        g.Nodes.Add(new Node("Concat", ["rd", "yb"], ["cat"], "concat").With(Bramble.Graph.Attribute.Of("axis", 1L)));
        g.Nodes.Add(PruningModels.Conv("c", "cat", "wc", null, "y", 1));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 5, 8, 8));
        return new Model(g);
    }

    [Fact]
    public void PruningThroughDepthwiseAndConcatKeepsTheKeptChannelsExact()
    {
        using var model = DepthwiseConcat(11, dead: true);
        using var x = PruningModels.Random(new Random(12), 1, 3, 8, 8);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.25 });

        Assert.Equal((8, 6), (report.Single(r => r.Node == "a").FiltersBefore, report.Single(r => r.Node == "a").FiltersKept));
        Assert.Equal((4, 3), (report.Single(r => r.Node == "b").FiltersBefore, report.Single(r => r.Node == "b").FiltersKept));
        Assert.Equal(new[] { 6, 3, 3, 3 }, WeightShape(model, "a"));
        Assert.Equal(new[] { 6 }, WeightShape(model, "bn", 1));
        Assert.Equal(new[] { 6, 1, 3, 3 }, WeightShape(model, "dw"));
        Assert.Equal(new[] { 6 }, WeightShape(model, "dw", 2));
        Assert.Equal(6, Find(model, "dw").GetInt("group", 1));
        Assert.Equal(new[] { 3, 3, 1, 1 }, WeightShape(model, "b"));
        // c reads the 6 kept channels of a, then the 3 kept channels of b (after the Concat's offset).
        Assert.Equal(new[] { 5, 9, 1, 1 }, WeightShape(model, "c"));
        PruningModels.AssertClose(before, PruningModels.Run(model, x), 1e-5f);
    }

    [Fact]
    public void ConcatOffsetsSelectTheRightInputChannelsOfTheReader()
    {
        // Live filters: c's kept input columns must be exactly a's kept filters, then 8 + b's kept filters.
        using var model = DepthwiseConcat(13, dead: false);
        var wc = model.Graph.Initializers["wc"].AsReadOnlySpan<float>().ToArray();
        var wb = model.Graph.Initializers["wb"].AsReadOnlySpan<float>().ToArray();
        var wa = model.Graph.Initializers["wa"].AsReadOnlySpan<float>().ToArray();
        StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.5 });
        var keptB = KeptRows(wb, model.Graph.Initializers[Find(model, "b").Inputs[1]].AsReadOnlySpan<float>().ToArray(), 3);
        var keptA = KeptRows(wa, model.Graph.Initializers[Find(model, "a").Inputs[1]].AsReadOnlySpan<float>().ToArray(), 27);
        int[] columns = [.. keptA, .. keptB.Select(k => 8 + k)];
        var newWc = model.Graph.Initializers[Find(model, "c").Inputs[1]].AsReadOnlySpan<float>();
        Assert.Equal(5 * columns.Length, newWc.Length);
        for (int o = 0; o < 5; o++)
            for (int j = 0; j < columns.Length; j++)
                Assert.Equal(wc[o * 12 + columns[j]], newWc[o * columns.Length + j]);
    }

    /// <summary>Which rows (filters of <paramref name="per"/> weights) of <paramref name="original"/> survive in <paramref name="pruned"/>.</summary>
    private static int[] KeptRows(float[] original, float[] pruned, int per)
    {
        var kept = new List<int>();
        for (int r = 0; r < pruned.Length / per; r++)
            for (int o = 0; o < original.Length / per; o++)
                if (original.AsSpan(o * per, per).SequenceEqual(pruned.AsSpan(r * per, per))) { kept.Add(o); break; }
        Assert.Equal(pruned.Length / per, kept.Count);
        return kept.ToArray();
    }

    [Fact]
    public void PruningBeforeFlattenGemmRemovesTheChannelsFeatures()
    {
        // x[1,2,4,4] → conv 3×3 (6, dead filters 0 and 4) → Relu → MaxPool 2×2 → Flatten → Gemm(transB, 24 → 3) → y
        var rng = new Random(21);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 2, 4, 4));
        g.Initializers["w"] = PruningModels.Random(rng, 6, 2, 3, 3);
        foreach (int f in new[] { 0, 4 }) g.Initializers["w"].AsSpan<float>().Slice(f * 18, 18).Clear();
        g.Initializers["fc"] = PruningModels.Random(rng, 3, 24);
        g.Initializers["fb"] = PruningModels.Random(rng, 3);
        g.Nodes.Add(PruningModels.Conv("conv", "x", "w", null, "c", 3));
        g.Nodes.Add(new Node("Relu", ["c"], ["r"], "relu"));
        g.Nodes.Add(new Node("MaxPool", ["r"], ["p"], "pool")
            .With(Bramble.Graph.Attribute.Of("kernel_shape", new long[] { 2, 2 })).With(Bramble.Graph.Attribute.Of("strides", new long[] { 2, 2 })));
        g.Nodes.Add(new Node("Flatten", ["p"], ["f"], "flatten").With(Bramble.Graph.Attribute.Of("axis", 1L)));
        g.Nodes.Add(new Node("Gemm", ["f", "fc", "fb"], ["y"], "gemm").With(Bramble.Graph.Attribute.Of("transB", 1L)));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 3));
        using var model = new Model(g);
        using var x = PruningModels.Random(rng, 1, 2, 4, 4);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.34 });
        Assert.Equal(4, report.Single(r => r.Node == "conv").FiltersKept);
        Assert.Equal(new[] { 3, 16 }, WeightShape(model, "gemm"));
        PruningModels.AssertClose(before, PruningModels.Run(model, x), 1e-5f);
    }

    [Fact]
    public void SpeedupSearchReachesTheMacTarget()
    {
        using var model = PruningModels.Chain(31, deadFilters: false);
        // Any cost that shrinks with the filters serves the search; the weight count keeps the test free of timing.
        long Cost(Model m) => PrunableLayer.Find(m.Graph).Sum(l => (long)l.Weight.Length);
        long before = Cost(model);
        var (report, fraction) = StructuredPruning.ApplyForSpeedup(model, 1.5, FilterCriterion.L1, Cost);
        Assert.True(Cost(model) <= before / 1.5, $"{before} -> {Cost(model)}");
        Assert.InRange(fraction, 0.01, 0.9);
        Assert.Contains(report, r => r.FiltersKept < r.FiltersBefore);
    }
}

/// <summary>Structured pruning of Convs tied together by residual sums.</summary>
public class ResidualGroupPruningTests
{
    /// <summary>
    /// x[1,2,6,6] → s 3×3 (4) → Relu → r;  r → b1 3×3 (6) → Relu → b2 3×3 (4) → Add(·, r) → Relu → GAP → Flatten → Gemm(4 → 3) → y.
    /// Channel 1 of s and b2 and filter 3 of b1 are dead, so removing them leaves y unchanged.
    /// </summary>
    private static Model Residual(int seed)
    {
        var rng = new Random(seed);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 2, 6, 6));
        g.Initializers["ws"] = PruningModels.Random(rng, 4, 2, 3, 3);
        g.Initializers["bs"] = PruningModels.Random(rng, 4);
        g.Initializers["w1"] = PruningModels.Random(rng, 6, 4, 3, 3);
        g.Initializers["w2"] = PruningModels.Random(rng, 4, 6, 3, 3);
        g.Initializers["fc"] = PruningModels.Random(rng, 3, 4);
        g.Initializers["ws"].AsSpan<float>().Slice(1 * 18, 18).Clear();
        g.Initializers["bs"].AsSpan<float>()[1] = 0;
        g.Initializers["w1"].AsSpan<float>().Slice(3 * 36, 36).Clear();
        g.Initializers["w2"].AsSpan<float>().Slice(1 * 54, 54).Clear();
        g.Nodes.Add(PruningModels.Conv("s", "x", "ws", "bs", "ys", 3));
        g.Nodes.Add(new Node("Relu", ["ys"], ["r"], "relu_s"));
        g.Nodes.Add(PruningModels.Conv("b1", "r", "w1", null, "y1", 3));
        g.Nodes.Add(new Node("Relu", ["y1"], ["r1"], "relu_1"));
        g.Nodes.Add(PruningModels.Conv("b2", "r1", "w2", null, "y2", 3));
        g.Nodes.Add(new Node("Add", ["y2", "r"], ["sum"], "add"));
        g.Nodes.Add(new Node("Relu", ["sum"], ["rs"], "relu_sum"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["rs"], ["gap"], "gap"));
        g.Nodes.Add(new Node("Flatten", ["gap"], ["flat"], "flatten").With(Bramble.Graph.Attribute.Of("axis", 1L)));
        g.Nodes.Add(new Node("Gemm", ["flat", "fc"], ["y"], "fc").With(Bramble.Graph.Attribute.Of("transB", 1L)));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 3));
        return new Model(g);
    }

    [Fact]
    public void ConvsFeedingAResidualSumLoseTheSameChannels()
    {
        using var model = Residual(41);
        using var x = PruningModels.Random(new Random(42), 1, 2, 6, 6);
        var before = PruningModels.Run(model, x);
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.25 });
        Assert.Equal(3, report.Single(r => r.Node == "s").FiltersKept);
        Assert.Equal(3, report.Single(r => r.Node == "b2").FiltersKept);
        Assert.Contains("residual group of 2", report.Single(r => r.Node == "b2").Note);
        Assert.Equal(5, report.Single(r => r.Node == "b1").FiltersKept);
        var g = model.Graph;
        int[] Shape(string node, int input = 1) => g.Initializers[g.Nodes.Single(n => n.Name == node).Inputs[input]].Shape;
        Assert.Equal(new[] { 3, 2, 3, 3 }, Shape("s"));
        Assert.Equal(new[] { 5, 3, 3, 3 }, Shape("b1"));
        Assert.Equal(new[] { 3, 5, 3, 3 }, Shape("b2"));
        Assert.Equal(new[] { 3, 3 }, Shape("fc"));
        PruningModels.AssertClose(before, PruningModels.Run(model, x), 1e-5f);
    }

    [Fact]
    public void ResNetBaselinePrunesEveryConvAndStaysTrainable()
    {
        using var model = new Model(Bramble.Training.Models.Architectures.Build("resnet", size: 12, seed: 5));
        var report = StructuredPruning.Apply(model, new StructuredPruningOptions { Fraction = 0.5 });
        Assert.All(report, r => Assert.True(r.FiltersKept < r.FiltersBefore, $"{r.Node}: {r.Note}"));
        using var x = PruningModels.Random(new Random(6), 2, 1, 12, 12);
        Assert.Equal(2 * 10, PruningModels.Run(model, x, "input").Length);
        // The rewritten model is still a valid training graph: structured pruning's fine-tuning trains it as is.
        Assert.NotEmpty(new Bramble.Training.Autodiff.TrainingGraph(model.Graph).Parameters);
    }
}
