using System.Text.Json;
using Bramble.Graph;
using Bramble.Tests.Runtime.Profiling;
using Bramble.Tests.Support;

namespace Bramble.Tests.Cli;

public class ProfileCommandTests
{
    private static Dictionary<string, Func<Model>> Models() => new()
    {
        ["convs.onnx"] = () => ConvModels.Chain(channels: 8, size: 16, layers: 3),
    };

    [Fact]
    public void PrintsNodeCategoryAndMemoryTables()
    {
        var r = CliHarness.Run(Models(), "profile", "convs.onnx", "--threads", "1", "--iterations", "3", "--sort", "order");
        Assert.True(r.Code == 0, r.Err);
        foreach (var word in new[] { "kernel", "MACs", "median ms", "share", "GFLOP/s", "weights", "output bytes", "typical run", "runtime overhead (between nodes)", "node times (typical run)",
                     "conv 3x3", "planned arena", "theoretical minimum", "peak resident memory", "managed heap", "sum of node medians" })
            Assert.Contains(word, r.Out);
        // Execution order.
        Assert.True(r.Out.IndexOf("conv0", StringComparison.Ordinal) < r.Out.IndexOf("conv1", StringComparison.Ordinal));
        Assert.True(r.Out.IndexOf("conv1", StringComparison.Ordinal) < r.Out.IndexOf("conv2", StringComparison.Ordinal));
    }

    [Fact]
    public void TopLimitsTheRowsAndSumsTheRest()
    {
        var r = CliHarness.Run(Models(), "profile", "convs.onnx", "--threads", "1", "--iterations", "2", "--top", "1");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("(2 more nodes)", r.Out);
    }

    [Fact]
    public void JsonAndTraceDescribeTheSameRun()
    {
        using var dir = TestResources.CreateTempDir();
        string trace = dir.File("trace.json");
        var r = CliHarness.Run(Models(), "profile", "convs.onnx", "--threads", "2", "--iterations", "2", "--json", "--trace", trace);
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(3, nodes.Count);
        Assert.Equal(3 * 8L * 8 * 9 * 16 * 16, nodes.Sum(n => n.GetProperty("macs").GetInt64()));
        var memory = root.GetProperty("memory");
        Assert.True(memory.GetProperty("arena_bytes").GetInt64() >= memory.GetProperty("max_live_activation_bytes").GetInt64());
        Assert.Equal(memory.GetProperty("weight_bytes").GetInt64() + memory.GetProperty("max_live_activation_bytes").GetInt64(),
            memory.GetProperty("theoretical_minimum_bytes").GetInt64());
        using var traceDoc = JsonDocument.Parse(File.ReadAllBytes(trace));
        TraceAssert.IsValidTraceEventFile(traceDoc.RootElement);
    }

    [Fact]
    public void SymbolicInputWithoutShapeIsAUsageError()
    {
        var models = new Dictionary<string, Func<Model>> { ["dyn.onnx"] = () => CliHarness.ReluModel([Dim.Symbolic("n"), Dim.Fixed(4)]) };
        var r = CliHarness.Run(models, "profile", "dyn.onnx");
        Assert.Equal(2, r.Code);
        Assert.Contains("--shape", r.SingleErrorLine());
    }
}
