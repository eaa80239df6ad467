using System.Text.Json;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Tests.Runtime.Profiling;

public class ProfilerTests
{
    private static Model ThreeRelus()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 4096));
        g.Nodes.Add(new Node("Relu", ["x"], ["a"], "r1"));
        g.Nodes.Add(new Node("Relu", ["a"], ["b"], "r2"));
        g.Nodes.Add(new Node("Relu", ["b"], ["y"], "r3"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 4096));
        return new Model(g);
    }

    private static ProfileReport ProfileThreeRelus(int iterations)
    {
        using var model = ThreeRelus();
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        using var x = Tensor.Allocate(DataType.Float32, 1, 4096);
        return session.Profile(new Dictionary<string, Tensor> { ["x"] = x }, iterations);
    }

    [Fact]
    public void ReportsEveryNodeWithShapesAndTimes()
    {
        var report = ProfileThreeRelus(5);
        Assert.Equal(["r1", "r2", "r3"], report.Nodes.Select(n => n.Name));
        Assert.All(report.Nodes, n =>
        {
            Assert.Equal([1, 4096], n.OutputShape);
            Assert.Equal(4096 * 4, n.OutputBytes);
            Assert.Equal(5, n.Milliseconds.Length);
            Assert.Equal("elementwise", n.Category);
        });
        Assert.Equal(5, report.RunMilliseconds.Length);
        Assert.True(report.NodeTotalMs <= report.RunMilliseconds.Max() * 1.01 + 0.01);
    }

    [Fact]
    public void TypicalNodeTimesAndTimeBetweenNodesMakeTheTypicalRun()
    {
        var report = ProfileThreeRelus(8);
        Assert.Equal(8, report.BetweenNodesMilliseconds.Length);
        // Middle half of 8 runs by run time: ranks 2..5.
        Assert.Equal(4, report.TypicalRuns.Length);
        Assert.All(report.BetweenNodesMilliseconds, ms => Assert.True(ms >= 0));
        for (int run = 0; run < 8; run++)
        {
            double nodes = report.Nodes.Sum(n => n.Milliseconds[run]);
            Assert.Equal(report.RunMilliseconds[run], nodes + report.BetweenNodesMilliseconds[run], 1e-9);
        }
        Assert.Equal(report.TypicalRunMs, report.NodeTotalMs + report.BetweenNodesMs, 1e-9);
        double shares = report.Nodes.Sum(report.ShareOf) + report.BetweenNodesMs / report.TypicalRunMs;
        Assert.Equal(1.0, shares, 1e-9);
        Assert.Equal(1.0, report.ByCategory().Sum(c => c.Share) + report.BetweenNodesMs / report.TypicalRunMs, 1e-9);
    }

    [Fact]
    public void MiddleHalfKeepsTheRunsAroundTheMedian()
    {
        Assert.Equal([0, 2], Statistics.MiddleHalf([5.0, 100.0, 6.0, 1.0]));
        Assert.Equal([0], Statistics.MiddleHalf([3.0]));
        Assert.Equal([0, 1, 2], Statistics.MiddleHalf([3.0, 1.0, 2.0]));
        Assert.Empty(Statistics.MiddleHalf([]));
        Assert.Equal(5.5, Statistics.MeanAt([5.0, 100.0, 6.0, 1.0], [0, 2]));
    }

    [Fact]
    public void MemorySummaryIsConsistent()
    {
        var report = ProfileThreeRelus(2);
        // Chain of three 16 KiB activations: at most two live at once, and the output lives to the end.
        Assert.Equal(2 * 16384, report.Memory.TheoreticalMinimumActivationBytes);
        Assert.True(report.Memory.ArenaBytes >= report.Memory.TheoreticalMinimumActivationBytes);
        Assert.True(report.Memory.PeakResidentBytes > 0);
    }

    [Fact]
    public void ChromeTraceHasTheTraceEventStructure()
    {
        var report = ProfileThreeRelus(3);
        using var stream = new MemoryStream();
        ChromeTrace.Write(report, stream);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var events = doc.RootElement.GetProperty("traceEvents");
        Assert.Equal(JsonValueKind.Array, events.ValueKind);
        int complete = 0;
        foreach (var e in events.EnumerateArray())
        {
            string ph = e.GetProperty("ph").GetString()!;
            Assert.Contains(ph, new[] { "X", "M" });
            Assert.Equal(JsonValueKind.Number, e.GetProperty("pid").ValueKind);
            Assert.Equal(JsonValueKind.Number, e.GetProperty("tid").ValueKind);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            if (ph != "X") continue;
            complete++;
            Assert.True(e.GetProperty("ts").GetDouble() >= 0);
            Assert.True(e.GetProperty("dur").GetDouble() >= 0);
        }
        Assert.Equal(3 * 4, complete); // per run: the run span plus three nodes
    }
}
