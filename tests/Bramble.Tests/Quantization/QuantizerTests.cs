using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Ops;
using Bramble.Passes;
using Bramble.Passes.Quantization;
using Bramble.Quantization;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;

namespace Bramble.Tests.Quantization;

/// <summary>Post-training quantization end to end on a small synthetic CNN: QDQ structure, folding, accuracy.</summary>
public class QuantizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bramble-quant").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Tensor Random(Random rng, float scale, params int[] shape) => RandomTensors.Uniform(rng, scale, shape);

    /// <summary>x → Conv 3x3 → Relu → Conv 1x1 (depthwise 3x3 in between) → Add(x-branch) → GlobalAveragePool → Gemm.</summary>
    private static Model SmallCnn()
    {
        var rng = new Random(1);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 3, 16, 16));
        g.Initializers["w1"] = Random(rng, 0.4f, 8, 3, 3, 3);
        g.Initializers["b1"] = Random(rng, 0.1f, 8);
        g.Initializers["w2"] = Random(rng, 0.4f, 8, 1, 3, 3);
        g.Initializers["b2"] = Random(rng, 0.1f, 8);
        g.Initializers["w3"] = Random(rng, 0.3f, 16, 8, 1, 1);
        g.Initializers["w4"] = Random(rng, 0.3f, 16, 10);
        g.Initializers["b4"] = Random(rng, 0.1f, 10);
        g.Nodes.Add(new Node("Conv", ["x", "w1", "b1"], ["c1"], "conv1").With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("Relu", ["c1"], ["r1"], "relu1"));
        g.Nodes.Add(new Node("Conv", ["r1", "w2", "b2"], ["c2"], "dw2")
            .With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 })).With(Bramble.Graph.Attribute.Of("group", 8L)));
        g.Nodes.Add(new Node("Relu", ["c2"], ["r2"], "relu2"));
        g.Nodes.Add(new Node("Conv", ["r2", "w3"], ["c3"], "conv3"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["c3"], ["p"], "pool"));
        g.Nodes.Add(new Node("Flatten", ["p"], ["f"], "flatten"));
        g.Nodes.Add(new Node("Gemm", ["f", "w4", "b4"], ["y"], "fc"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        return model;
    }

    private string WriteSamples(int count)
    {
        var rng = new Random(5);
        for (int i = 0; i < count; i++)
        {
            using var t = Random(rng, 1f, 1, 3, 16, 16);
            Bramble.IO.Npy.Write(Path.Combine(_dir, $"s{i:D2}.npy"), t);
        }
        return _dir;
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax, true, false)]
    [InlineData(CalibrationMethod.Percentile, false, false)]
    [InlineData(CalibrationMethod.Entropy, true, true)]
    public void QuantizedModelTracksFloatAndFoldsToInt8(CalibrationMethod method, bool perChannel, bool signed)
    {
        using var model = SmallCnn();
        var source = CalibrationSource.FromPaths([WriteSamples(12)]);
        int progress = 0;
        // The keep-float search is off: this test checks that every layer is calibrated and folded.
        var options = new QuantizeOptions { Samples = 12, Method = method, PerChannelWeights = perChannel, SignedActivations = signed, MinMacs = 0, MinCosine = 0, Progress = (d, _) => progress = d };
        var (q, report) = Quantizer.Quantize(model, source, options);
        using (q)
        {
            Assert.Equal(12, progress);
            Assert.Equal(4, report.Quantized.Count);
            Assert.Empty(report.Kept);
            Assert.True(report.QuantizedWeightBytes * 2 < report.FloatWeightBytes, $"{report.QuantizedWeightBytes} vs {report.FloatWeightBytes}");
            // Standard QDQ: no float weights left, every conv reads a DequantizeLinear.
            Assert.DoesNotContain(q.Graph.Initializers.Values, t => t.Type == DataType.Float32 && t.Length > 16);
            Assert.All(q.Graph.Nodes.Where(n => n.OpType == "Conv"), n => Assert.EndsWith("_dequantized", n.Inputs[1]));

            // Round trip through ONNX, then the session folds DQ → Conv → Relu → Q into int8 kernels.
            string path = Path.Combine(_dir, "q.onnx");
            OnnxWriter.Save(q, path);
            using var reloaded = OnnxReader.Load(path);
            var cosine = Quantizer.CompareOutputs(model, reloaded, source, 6);
            // Entropy calibration clips the tails, which uniform-noise inputs do not have: it is allowed more error here.
            Assert.True(cosine["y"] > (method == CalibrationMethod.Entropy ? 0.95 : 0.995), $"cosine {cosine["y"]}");

            using var folded = reloaded.CloneStructure();
            int rewrites = new FoldQdqConv().Run(folded);
            Assert.Equal(3, rewrites);
            Assert.Equal(2, folded.Graph.Nodes.Count(n => n.OpType == "QLinearConv" && n.Domain == OpRegistry.BrambleDomain));
            Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType == "Conv");
        }
    }

    [Fact]
    public void FoldedInt8MatchesUnfoldedQdqClosely()
    {
        using var model = SmallCnn();
        var source = CalibrationSource.FromPaths([WriteSamples(6)]);
        var (q, _) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 6, MinMacs = 0 });
        using (q)
        {
            // Optimization None keeps the float QDQ graph; the default folds to int8 kernels. Both quantize the same way,
            // so they differ only by float rounding inside the convolutions: within a quantization step or two.
            using var unfolded = new InferenceSession(q, new SessionOptions { Optimization = OptimizationLevel.None });
            using var folded = new InferenceSession(q);
            foreach (var x in source.Samples(q.Graph.RealInputs.Single(), 3))
                using (x)
                {
                    var a = unfolded.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
                    var b = folded.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
                    Assert.True(Quantizer.Cosine(a, b) > 0.999, $"cosine {Quantizer.Cosine(a, b)}");
                    a.Dispose();
                    b.Dispose();
                }
        }
    }

    [Fact]
    public void ExcludedAndTinyLayersStayFloatWithReasons()
    {
        using var model = SmallCnn();
        var source = CalibrationSource.FromPaths([WriteSamples(2)]);
        var (q, report) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 2, Exclude = new HashSet<string> { "conv3" }, MinMacs = 1000 });
        using (q)
        {
            Assert.Contains(report.Kept, k => k.Name == "conv3" && k.Reason.Contains("--exclude"));
            Assert.Contains(report.Kept, k => k.Name == "fc" && k.Reason.Contains("too small"));
            Assert.Contains(q.Graph.Nodes, n => n.Name == "conv3" && n.Inputs[1] == "w3");
        }
    }

    [Fact]
    public void OldOpsetModelsUseContribAxisNodes()
    {
        using var model = SmallCnn();
        model.Opsets[""] = 12;
        var source = CalibrationSource.FromPaths([WriteSamples(2)]);
        var (q, _) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 2, MinMacs = 0 });
        using (q)
        {
            Assert.Equal(12, q.OpsetFor(""));
            Assert.All(q.Graph.Nodes.Where(n => n.HasAttribute("axis") && n.OpType.Contains("quantize", StringComparison.OrdinalIgnoreCase)),
                n => Assert.Equal(OpRegistry.MicrosoftDomain, n.Domain));
            using var session = new InferenceSession(q);
            using var x = Random(new Random(2), 1, 1, 3, 16, 16);
            session.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"].Dispose();
        }
    }

    [Fact]
    public void BadCalibrationInputsFailWithOneLineMessages()
    {
        Assert.Throws<BrambleException>(() => CalibrationSource.FromPaths([Path.Combine(_dir, "missing")]));
        Assert.Throws<BrambleException>(() => CalibrationSource.FromPaths([_dir]));
        Assert.Throws<BrambleException>(() => CalibrationSource.FromDataset("imagenet"));
        using var wrong = Tensor.Allocate(DataType.Float32, 1, 5);
        Bramble.IO.Npy.Write(Path.Combine(_dir, "wrong.npy"), wrong);
        var source = CalibrationSource.FromPaths([_dir]);
        using var model = SmallCnn();
        var e = Assert.ThrowsAny<BrambleException>(() => Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 1 }));
        Assert.Contains("wrong.npy", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void BitWidthsLimitCodesAndStudyScoresTheGrid()
    {
        using var model = SmallCnn();
        var source = CalibrationSource.FromPaths([WriteSamples(6)]);
        var options = new QuantizeOptions { Samples = 6, MinMacs = 0 };
        using var calibrated = Quantizer.Calibrate(model, source, options);
        var (q4, _) = Quantizer.Build(calibrated, options with { WeightBits = 4, ActivationBits = 3, MaxWeightError = 1 });
        using (q4)
        {
            // 4-bit weights: codes within ±7; 3-bit activations: a Clip before every QuantizeLinear.
            foreach (var (name, t) in q4.Graph.Initializers)
                if (t.Type == DataType.Int8 && t.Length > 1 && name.StartsWith('w'))
                    foreach (sbyte v in t.AsReadOnlySpan<sbyte>()) Assert.InRange(v, -7, 7);
            var producers = q4.Graph.ProducerMap();
            var quantize = q4.Graph.Nodes.Where(n => n.OpType == "QuantizeLinear").ToList();
            Assert.NotEmpty(quantize);
            Assert.All(quantize, n => Assert.Equal("Clip", producers[n.Inputs[0]].OpType));
        }
        var result = QuantizationStudy.Run(model, source, options, [8, 2], [8, 2], samples: 6);
        Assert.Equal("cosine vs float", result.Metric);
        Assert.True(result.Scores[0, 0] > 0.99, $"8/8 cosine {result.Scores[0, 0]}");
        // Two-bit weights and activations must visibly lose against eight bits: the grid is really re-quantized.
        Assert.True(result.Scores[1, 1] < result.Scores[0, 0] - 0.01, $"2/2 cosine {result.Scores[1, 1]} vs 8/8 {result.Scores[0, 0]}");
        Assert.Throws<BrambleException>(() => QuantizationStudy.Run(model, source, options, [9], [8], samples: 2));
    }
}
