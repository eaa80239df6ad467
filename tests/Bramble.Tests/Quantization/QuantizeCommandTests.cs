using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Tensors;
using Bramble.Tests.Cli;

namespace Bramble.Tests.Quantization;

public class QuantizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bramble-quantize-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ConvModel()
    {
        var rng = new Random(3);
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 4, 12, 12));
        var w = Tensor.Allocate(DataType.Float32, 8, 4, 3, 3);
        foreach (ref float v in w.AsSpan<float>()) v = (float)(rng.NextDouble() - 0.5);
        g.Initializers["w"] = w;
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["c"], "conv").With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("Relu", ["c"], ["y"], "relu"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = 13;
        string path = Path.Combine(_dir, "conv.onnx");
        OnnxWriter.Save(model, path);
        for (int i = 0; i < 4; i++)
        {
            using var x = Tensor.Allocate(DataType.Float32, 1, 4, 12, 12);
            foreach (ref float v in x.AsSpan<float>()) v = (float)rng.NextDouble();
            Bramble.IO.Npy.Write(Path.Combine(_dir, $"calib{i}.npy"), x);
        }
        return path;
    }

    [Fact]
    public void TheSpeedCheckRunsByDefaultAndReportsEachLayersTimes()
    {
        string model = ConvModel(), output = Path.Combine(_dir, "timed.onnx");
        var r = CliHarness.Run("quantize", model, "--calib", _dir, "--samples", "4", "-o", output);
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("int8 speed-up", r.Out);
        Assert.Contains("Speed check (", r.Out);
        Assert.Contains("speed check", r.Err);
        // Kept float for speed or not, the written model and the report agree.
        bool keptForSpeed = r.Out.Contains("int8 not faster");
        Assert.Contains(keptForSpeed ? "Layers: 0 int8, 1 float" : "Layers: 1 int8, 0 float", r.Out);
        using var q = OnnxReader.Load(output);
        Assert.Equal(!keptForSpeed, q.Graph.Nodes.Any(n => n.OpType == "QuantizeLinear"));
    }

    [Fact]
    public void QuantizeWritesQdqModelAndReport()
    {
        string model = ConvModel(), output = Path.Combine(_dir, "conv.int8.onnx");
        // The speed check off: whether int8 beats float on this tiny conv is the machine's business.
        var r = CliHarness.Run("quantize", model, "--calib", _dir, "--samples", "4", "--min-layer-speedup", "0", "-o", output);
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("Layers: 1 int8, 0 float", r.Out);
        Assert.Contains("cosine similarity", r.Out);
        Assert.Contains("calibrating", r.Err);
        using var q = OnnxReader.Load(output);
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        Assert.Contains(q.Graph.Initializers.Values, t => t.Type == DataType.Int8 && t.Length == 8 * 4 * 9);
    }

    [Theory]
    [InlineData(null, 63)]
    [InlineData("8", 127)]
    public void WeightBitsBoundTheWeightCodes(string? bits, int largest)
    {
        string model = ConvModel(), output = Path.Combine(_dir, "conv.int8.onnx");
        string[] args = ["quantize", model, "--calib", _dir, "--samples", "4", "--min-layer-speedup", "0", "-o", output];
        var r = CliHarness.Run(bits == null ? args : [.. args, "--weight-bits", bits]);
        Assert.True(r.Code == 0, r.Err + r.Out);
        using var q = OnnxReader.Load(output);
        var weights = q.Graph.Initializers.Values.Single(t => t.Type == DataType.Int8 && t.Length == 8 * 4 * 9).AsSpan<sbyte>().ToArray();
        // Symmetric per-channel scales put each channel's largest |w| at the top code.
        Assert.Equal(largest, weights.Max(v => Math.Abs((int)v)));
    }

    [Fact]
    public void MinCosineKeepsTheLayerFloatAndEvalSamplesAreReported()
    {
        string model = ConvModel(), output = Path.Combine(_dir, "conv.int8.onnx");
        string eval = Path.Combine(_dir, "eval");
        Directory.CreateDirectory(eval);
        var rng = new Random(11);
        for (int i = 0; i < 2; i++)
        {
            using var x = Tensor.Allocate(DataType.Float32, 1, 4, 12, 12);
            foreach (ref float v in x.AsSpan<float>()) v = (float)rng.NextDouble();
            Bramble.IO.Npy.Write(Path.Combine(eval, $"eval{i}.npy"), x);
        }
        // A target of exactly 1 only a float layer meets: the search must measure it and keep the conv float.
        var r = CliHarness.Run("quantize", model, "--calib", _dir, "--samples", "4", "--eval", eval, "--min-cosine", "1", "-o", output);
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("Layers: 0 int8, 1 float", r.Out);
        Assert.Contains("int8 error too large", r.Out);
        Assert.Contains("Keep-float search on 4 calibration samples", r.Out);
        Assert.Contains("on evaluation samples (--eval)", r.Out);
        Assert.Contains("sensitivity", r.Err);
        Assert.Contains("keep-float", r.Err);
    }

    [Fact]
    public void StudyPrintsBitWidthTableLatencyAndSize()
    {
        string model = ConvModel();
        var r = CliHarness.Run("quantize", model, "--calib", _dir, "--samples", "4", "--study", "--study-weight-bits", "8", "4",
            "--study-activation-bits", "8", "3", "--study-samples", "4");
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("cosine vs float", r.Out);
        Assert.Contains("a3", r.Out);
        Assert.Contains("w4", r.Out);
        Assert.Contains("latency (batch 1", r.Out);
        Assert.Contains("x smaller", r.Out);
        Assert.Contains("study", r.Err);
    }

    [Fact]
    public void UsageErrorsAreOneLine()
    {
        string model = ConvModel();
        var r = CliHarness.Run("quantize", model, "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--calib or --dataset", r.SingleErrorLine());
        r = CliHarness.Run("quantize", model, "--calib", _dir, "--method", "magic", "-o", "x.onnx");
        Assert.Equal(2, r.Code);
        r = CliHarness.Run("quantize", model, "--dataset", "cifar", "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(1, r.Code);
        Assert.Contains("unknown dataset", r.SingleErrorLine());
        r = CliHarness.Run("quantize", model, "--calib", _dir, "--min-cosine", "2", "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--min-cosine", r.SingleErrorLine());
        r = CliHarness.Run("quantize", model, "--calib", _dir, "--min-layer-speedup", "-1", "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--min-layer-speedup", r.SingleErrorLine());
        r = CliHarness.Run("quantize", model, "--calib", _dir, "--weight-bits", "9", "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--weight-bits must be between 2 and 8", r.SingleErrorLine());
        r = CliHarness.Run("quantize", model, "--calib", _dir, "--mean", "0.5,x", "-o", Path.Combine(_dir, "o.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--mean", r.SingleErrorLine());
    }
}
