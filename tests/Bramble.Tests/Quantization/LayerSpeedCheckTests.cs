using Bramble.Graph;
using Bramble.Quantization;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;
using Bramble.Tests.Support;

namespace Bramble.Tests.Quantization;

/// <summary>
/// Keep-float for speed: the charging of quantize/dequantize nodes to layers on hand-built profiles, the decision
/// rule, and the whole check on a real quantized model profiled by a scripted clock (never by real timing, so
/// the outcome is fixed).
/// </summary>
public class LayerSpeedCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bramble-speedcheck").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static NodeProfile Node(string name, string op, double ms, string[] inputs, string[] outputs) =>
        new(0, name, op, "", "", [], [], 0, 0, 0, [ms]) { TypicalMs = ms, InputNames = inputs, OutputNames = outputs };

    [Fact]
    public void ConversionsAreChargedToTheLayersThatCauseThem()
    {
        var nodes = new[]
        {
            // x is quantized once for conv1 alone; conv1's codes feed conv2 directly and a float Relu through a DQ.
            Node("x_q", "QuantizeLinear", 0.1, ["x", "s", "z"], ["xq"]),
            Node("conv1", "QLinearConv", 1.0, ["xq", "s", "z", "w1"], ["c1q"]),
            Node("c1_dq", "DequantizeLinear", 0.3, ["c1q", "s", "z"], ["c1"]),
            Node("relu", "Relu", 9.0, ["c1"], ["r"]),
            Node("conv2", "QLinearConv", 2.0, ["c1q", "s", "z", "w2"], ["c2q"]),
            Node("c2_dq", "DequantizeLinear", 0.2, ["c2q", "s", "z"], ["c2"]),
            // An unfolded layer: float MatMul whose output makes a round trip for its float reader.
            Node("mm", "MatMul", 0.5, ["c2", "wm"], ["mf"]),
            Node("mf_q", "QuantizeLinear", 0.05, ["mf", "s", "z"], ["mq"]),
            Node("mf_dq", "DequantizeLinear", 0.07, ["mq", "s", "z"], ["m"]),
            // One quantized input read by two layers splits its cost.
            Node("m_q", "QuantizeLinear", 0.4, ["m", "s", "z"], ["m2q"]),
            Node("convA", "QLinearConv", 1.0, ["m2q", "s", "z", "wa"], ["aq"]),
            Node("convB", "QLinearConv", 1.0, ["m2q", "s", "z", "wb"], ["bq"]),
            // A narrow activation's Clip between the layer and its Q is looked through.
            Node("gemm", "Gemm", 0.25, ["m", "wg"], ["gf"]),
            Node("clip", "Clip", 0.01, ["gf", "lo", "hi"], ["gc"]),
            Node("gc_q", "QuantizeLinear", 0.02, ["gc", "s", "z"], ["gq"]),
            Node("gc_dq", "DequantizeLinear", 0.03, ["gq", "s", "z"], ["g"]),
        };
        var layers = new HashSet<string> { "conv1", "conv2", "mm", "convA", "convB", "gemm", "absent" };
        var cost = LayerCostAttribution.Attribute(nodes, layers);
        Assert.Equal(1.4, cost["conv1"], 9);
        Assert.Equal(2.2, cost["conv2"], 9);
        Assert.Equal(0.62, cost["mm"], 9);
        Assert.Equal(1.2, cost["convA"], 9);
        Assert.Equal(1.2, cost["convB"], 9);
        Assert.Equal(0.30, cost["gemm"], 9);
        Assert.False(cost.ContainsKey("absent")); // not in the profile: no figure rather than a zero
        Assert.False(cost.ContainsKey("relu"));

        // With the float plan's node names known: the Relu the float model fused into conv1 (so it is not among
        // them) is conv1's too; an op the float model also runs on its own is nobody's.
        var withFloat = LayerCostAttribution.Attribute(nodes, layers, new HashSet<string> { "conv1", "conv2", "mm", "convA", "convB", "gemm" });
        Assert.Equal(10.4, withFloat["conv1"], 9);
        withFloat = LayerCostAttribution.Attribute(nodes, layers, new HashSet<string> { "relu", "clip", "conv1" });
        Assert.Equal(1.4, withFloat["conv1"], 9);
        Assert.Equal(0.30, withFloat["gemm"], 9);
    }

    [Fact]
    public void ALayerStaysInt8OnlyWhenItIsFastEnough()
    {
        var timings = new[]
        {
            new LayerTiming("fast", "Conv", 0.4, 1.0),
            new LayerTiming("even", "Conv", 1.0, 1.0),
            new LayerTiming("slow", "Conv", 1.5, 1.0),
            new LayerTiming("unmeasured", "Conv", 0.0, 1.0),
            new LayerTiming("no-float", "Conv", 1.0, 0.0),
        };
        Assert.Equal(["even", "slow"], LayerSpeedCheck.NotFastEnough(timings, 1.0).Select(t => t.Name));
        Assert.Equal(["fast", "even", "slow"], LayerSpeedCheck.NotFastEnough(timings, 2.5).Select(t => t.Name));
        Assert.Equal(2.5, timings[0].Speedup, 9);
        Assert.Equal(0, timings[3].Speedup);
    }

    /// <summary>
    /// Profiles the plan a session really builds for <paramref name="model"/> (its nodes and value names after
    /// every pass) with times from <paramref name="clock"/> instead of a stopwatch.
    /// </summary>
    private static ProfileReport Scripted(Bramble.Graph.Model model, Func<Node, bool, double> clock)
    {
        using var session = new InferenceSession(model);
        bool int8 = session.Model.Graph.Nodes.Any(n => n.OpType.StartsWith("QLinear") || n.OpType == "QuantizeLinear");
        var nodes = session.Model.Graph.Nodes.Select((n, i) =>
        {
            double ms = clock(n, int8);
            return new NodeProfile(i, n.DisplayName, n.OpType, "", "", [], [], 0, 0, 0, [ms]) { TypicalMs = ms, InputNames = n.Inputs.ToArray(), OutputNames = n.Outputs.ToArray() };
        }).ToList();
        return new ProfileReport
        {
            Nodes = nodes, RunMilliseconds = [nodes.Sum(n => n.TypicalMs)], Memory = new MemorySummary(0, 0, 0, 0, 0), Spans = [], Threads = 1, Isa = "scripted",
        };
    }

    /// <summary>Four random calibration samples for <see cref="KeepFloatSearchTests.HardLayerCnn"/>.</summary>
    private CalibrationSource Samples()
    {
        var rng = new Random(8);
        for (int i = 0; i < 4; i++)
        {
            using var t = RandomTensors.Uniform(rng, 1f, 1, 4, 12, 12);
            Bramble.IO.Npy.Write(Path.Combine(_dir, $"s{i}.npy"), t);
        }
        return CalibrationSource.FromPaths([_dir]);
    }

    /// <summary>Every float conv takes 1 ms; int8 conv2 takes 1.5 ms, the others 0.4 ms; each conversion 0.05 ms.</summary>
    private static double Clock(Node node, bool int8)
    {
        if (node.OpType is "QuantizeLinear" or "DequantizeLinear") return 0.05;
        if (node.OpType == "QLinearConv") return node.Name == "conv2" ? 1.5 : 0.4;
        if (node.OpType.Contains("Conv")) return 1.0; // also the float session's fused forms
        return 0.01;
    }

    [Fact]
    public void TheSlowLayerGoesFloatAndTheCheckStopsWhenNothingElseLoses()
    {
        using var model = KeepFloatSearchTests.HardLayerCnn();
        var options = new QuantizeOptions { Samples = 4, MinMacs = 0, MinCosine = 0, MinLayerSpeedup = 1 };
        using var calibrated = Quantizer.Calibrate(model, Samples(), options);
        var phases = new List<(int Done, int Total)>();
        var result = LayerSpeedCheck.Run(calibrated, options, m => Scripted(m, Clock), (_, done, total) => phases.Add((done, total)));

        Assert.Equal(["conv2"], result.KeepFloat.Keys);
        Assert.StartsWith("int8 not faster: 1.", result.KeepFloat["conv2"]);
        Assert.Equal(2, result.Rounds); // the second profile (conv2 float) finds no further loser
        Assert.Equal((LayerSpeedCheck.MaxRounds, LayerSpeedCheck.MaxRounds), phases[^1]);
        var byName = result.Timings.ToDictionary(t => t.Name);
        Assert.Equal(["conv1", "conv2", "conv3"], byName.Keys.Order());
        Assert.All(byName.Values, t => Assert.Equal(1.0, t.FloatMs, 9));
        Assert.True(byName["conv1"].Int8Ms is > 0.4 and < 1.0, $"conv1 {byName["conv1"].Int8Ms}");
        Assert.True(byName["conv2"].Int8Ms >= 1.5);

        // Requiring 3x makes every layer fail: all float, reasons naming the factor.
        var strict = LayerSpeedCheck.Run(calibrated, options with { MinLayerSpeedup = 3 }, m => Scripted(m, Clock));
        Assert.Equal(["conv1", "conv2", "conv3"], strict.KeepFloat.Keys.Order());
        Assert.All(strict.KeepFloat.Values, r => Assert.Contains("needs 3x", r));
    }

    [Fact]
    public void QuantizeRunsTheCheckOnlyWhenAsked()
    {
        using var model = KeepFloatSearchTests.HardLayerCnn();
        var source = Samples();
        var (off, offReport) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 4, MinMacs = 0, MinCosine = 0 });
        off.Dispose();
        Assert.Null(offReport.Speed);

        // Real timing: which layers lose is the machine's business, but the report must agree with its own figures.
        var (q, report) = Quantizer.Quantize(model, source, new QuantizeOptions { Samples = 4, MinMacs = 0, MinCosine = 0, MinLayerSpeedup = 1 });
        using (q)
        {
            var speed = report.Speed!;
            Assert.InRange(speed.Rounds, 1, LayerSpeedCheck.MaxRounds);
            Assert.All(speed.KeepFloat.Keys, name => Assert.Contains(report.Kept, k => k.Name == name && k.Reason.StartsWith("int8 not faster")));
            Assert.Equal(3, report.Quantized.Count + report.Kept.Count);
            Assert.All(report.Quantized, l => Assert.DoesNotContain(l.Name, speed.KeepFloat.Keys));
        }
    }
}
