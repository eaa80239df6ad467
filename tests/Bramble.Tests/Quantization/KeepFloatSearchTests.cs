using Bramble.Graph;
using Bramble.Quantization;
using Bramble.Tensors;
using Bramble.Tests.Support;

namespace Bramble.Tests.Quantization;

/// <summary>
/// Measured keep-float: a synthetic CNN with one layer made deliberately hard to quantize must get exactly
/// that layer kept float; the greedy logic is also checked against a scripted scorer.
/// </summary>
public class KeepFloatSearchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bramble-keepfloat").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Tensor Random(Random rng, float scale, params int[] shape) => RandomTensors.Uniform(rng, scale, shape);

    /// <summary>
    /// x → conv1 3×3 → Relu → conv2 1×1 → Mul(per-channel) → conv3 1×1 → y. conv2's output channel 0 is
    /// 1000× larger than the others and the Mul scales it back: per-tensor uint8 activations of conv2's
    /// output spend all codes on channel 0 and round the channels that carry the signal to a few levels.
    /// Its weights stay easy (per-channel scales absorb the ×1000), so only a measured search can find it.
    /// </summary>
    internal static Model HardLayerCnn()
    {
        var rng = new Random(3);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 4, 12, 12));
        g.Initializers["w1"] = Random(rng, 0.4f, 8, 4, 3, 3);
        g.Initializers["b1"] = Random(rng, 0.1f, 8);
        var w2 = Random(rng, 0.4f, 8, 8, 1, 1);
        foreach (ref float v in w2.AsSpan<float>()[..8]) v *= 1000;
        g.Initializers["w2"] = w2;
        var scale = Tensor.Allocate(DataType.Float32, 1, 8, 1, 1);
        scale.AsSpan<float>().Fill(1f);
        scale.AsSpan<float>()[0] = 1e-3f;
        g.Initializers["scale"] = scale;
        g.Initializers["w3"] = Random(rng, 0.4f, 6, 8, 1, 1);
        g.Nodes.Add(new Node("Conv", ["x", "w1", "b1"], ["c1"], "conv1").With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("Relu", ["c1"], ["r1"], "relu1"));
        g.Nodes.Add(new Node("Conv", ["r1", "w2"], ["c2"], "conv2"));
        g.Nodes.Add(new Node("Mul", ["c2", "scale"], ["m2"], "mul2"));
        g.Nodes.Add(new Node("Conv", ["m2", "w3"], ["y"], "conv3"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        return model;
    }

    private CalibrationSource Samples(int count)
    {
        var rng = new Random(8);
        for (int i = 0; i < count; i++)
        {
            using var t = Random(rng, 1f, 1, 4, 12, 12);
            Bramble.IO.Npy.Write(Path.Combine(_dir, $"s{i:D2}.npy"), t);
        }
        return CalibrationSource.FromPaths([_dir]);
    }

    [Fact]
    public void TheDeliberatelyHardLayerIsTheOneKeptFloat()
    {
        using var model = HardLayerCnn();
        var source = Samples(8);
        var phases = new HashSet<string>();
        var options = new QuantizeOptions { Samples = 8, MinMacs = 0, SearchSamples = 4, SearchProgress = (phase, _, _) => phases.Add(phase) };
        var (q, report) = Quantizer.Quantize(model, source, options);
        using (q)
        {
            var search = report.Search!;
            Assert.True(search.CosineBefore < 0.99, $"the hard layer should break the target, cosine {search.CosineBefore}");
            Assert.True(search.TargetMet, $"cosine after {search.CosineAfter}");
            Assert.Equal(["conv2"], search.KeepFloat.Keys);
            Assert.Equal("conv2", search.Sensitivity[0].Name);
            Assert.Equal(3, search.Sensitivity.Count);
            Assert.Equal(["keep-float", "sensitivity"], phases.Order());

            var kept = Assert.Single(report.Kept);
            Assert.Equal("conv2", kept.Name);
            Assert.Contains("int8 error too large", kept.Reason);
            Assert.Equal(["conv1", "conv3"], report.Quantized.Select(l => l.Name).Order());
            // conv2 still reads its float weights; the report's cosine holds on the written model.
            Assert.Contains(q.Graph.Nodes, n => n.Name == "conv2" && n.Inputs[1] == "w2");
            Assert.True(Quantizer.CompareOutputs(model, q, source, 4)["y"] >= 0.99);
        }
    }

    [Fact]
    public void SearchOffOrTargetMetKeepsEveryLayerInt8()
    {
        using var model = HardLayerCnn();
        var source = Samples(4);
        var (off, offReport) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 4, MinMacs = 0, MinCosine = 0 });
        off.Dispose();
        Assert.Null(offReport.Search);
        Assert.Equal(3, offReport.Quantized.Count);

        // A target the all-int8 model already meets: one measurement, no sensitivity pass, nothing kept.
        var (met, metReport) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 4, MinMacs = 0, MinCosine = 0.1 });
        met.Dispose();
        Assert.True(metReport.Search!.TargetMet);
        Assert.Empty(metReport.Search.Sensitivity);
        Assert.Empty(metReport.Kept);
    }

    /// <summary>
    /// A scripted scorer: 1 minus a penalty per int8 layer, where making conv3 float alone does not help
    /// (its penalty only counts while conv1 is int8 too, an interaction). The greedy must take conv1 (worst),
    /// skip conv3 once conv1 is float, and stop at the target.
    /// </summary>
    [Fact]
    public void GreedyKeepsOnlyLayersThatImproveTheOutputAndStopsAtTheTarget()
    {
        using var model = HardLayerCnn();
        var source = Samples(2);
        var options = new QuantizeOptions { Samples = 2, MinMacs = 0, MinCosine = 0.97 };
        using var calibrated = Quantizer.Calibrate(model, source, options);
        double Score(Model m)
        {
            bool Int8(string layer) => m.Graph.Nodes.Single(n => n.Name == layer).Inputs[1].EndsWith("_dequantized");
            double penalty = (Int8("conv1") ? 0.04 : 0) + (Int8("conv2") ? 0.02 : 0) + (Int8("conv3") && Int8("conv1") ? 0.03 : 0);
            return 1 - penalty;
        }
        var result = KeepFloatSearch.Run(calibrated, options, Score, samples: 2);
        Assert.Equal(1 - 0.09, result.CosineBefore, 9);
        // Alone in int8: conv1 0.96, conv2 0.98, conv3 1.0 → tried in that order.
        Assert.Equal(["conv1", "conv2", "conv3"], result.Sensitivity.Select(s => s.Name));
        // conv1 float: 0.98 ≥ 0.97 → done; conv2 and conv3 stay int8.
        Assert.Equal(["conv1"], result.KeepFloat.Keys);
        Assert.Equal(0.98, result.CosineAfter, 9);

        // A stricter target: conv2 next (0.98 → 1.0); conv3 is never tried because the target is met.
        var strict = KeepFloatSearch.Run(calibrated, options with { MinCosine = 0.999 }, Score, samples: 2);
        Assert.Equal(["conv1", "conv2"], strict.KeepFloat.Keys.Order());
        Assert.True(strict.TargetMet);
    }

    [Fact]
    public void LayersThatDoNotHelpAreNotKept()
    {
        using var model = HardLayerCnn();
        var source = Samples(2);
        var options = new QuantizeOptions { Samples = 2, MinMacs = 0, MinCosine = 0.999 };
        using var calibrated = Quantizer.Calibrate(model, source, options);
        // Only conv2 matters; conv1 and conv3 being float changes nothing, so they must stay int8 and the target stays unmet.
        double Score(Model m) => m.Graph.Nodes.Single(n => n.Name == "conv2").Inputs[1].EndsWith("_dequantized") ? 0.9 : 0.95;
        var result = KeepFloatSearch.Run(calibrated, options, Score, samples: 2);
        Assert.Equal(["conv2"], result.KeepFloat.Keys);
        Assert.False(result.TargetMet);
        Assert.Equal(0.95, result.CosineAfter, 9);
    }
}
