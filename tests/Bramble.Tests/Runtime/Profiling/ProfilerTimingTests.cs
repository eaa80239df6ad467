using System.Text.Json;
using Bramble.Runtime;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Tests.Runtime.Profiling;

public class ProfilerTimingTests
{
    private static ProfileReport ProfileChain(int threads, int channels, int size, int layers, int iterations)
    {
        using var model = ConvModels.Chain(channels, size, layers, relu: true);
        using var session = new InferenceSession(model, new SessionOptions { Threads = threads });
        using var x = Tensor.Allocate(DataType.Float32, 1, channels, size, size);
        x.AsSpan<float>().Fill(0.25f);
        return session.Profile(new Dictionary<string, Tensor> { ["x"] = x }, iterations, warmup: 2);
    }

    [Fact]
    public void NodeTimesSumToTheEndToEndLatency()
    {
        // ~60 MMAC per run: long enough that per-node timestamps are a small part of it.
        var r = ProfileChain(threads: 1, channels: 32, size: 48, layers: 4, iterations: 15);
        Assert.Equal(15, r.UnprofiledRunMilliseconds.Length);
        // Against the profiled runs themselves, run by run (medians of skewed, noisy samples need not add up):
        // the nodes are all the work there is, so their times cover the runs' time (the 10%).
        double nodeTotal = r.Nodes.Sum(n => n.Milliseconds.Sum()), runTotal = r.RunMilliseconds.Sum();
        Assert.InRange(nodeTotal / runTotal, 0.90, 1.0 + 1e-9);
        // Against interleaved unprofiled runs (node times of the typical runs, which add up, unlike medians):
        // the same bound widened for a shared, noisy machine; a profiler that double-counted, missed nodes, or
        // added real overhead would still fall outside.
        double plainRatio = r.NodeTotalMs / r.TypicalUnprofiledMs;
        Assert.InRange(plainRatio, 0.75, 1.25);
    }

    [Fact]
    public void WorkerThreadsGetTheirOwnTraceTracks()
    {
        // Workers claim parts from a shared counter, so a worker the OS has not scheduled yet may do no part of a
        // given job; enough jobs make it certain that the worker shows up in the trace at least once.
        var r = ProfileChain(threads: 2, channels: 32, size: 32, layers: 2, iterations: 25);
        Assert.Equal(2, r.Threads);
        Assert.Equal(0, r.DroppedParts);
        var parts = r.Spans.Where(s => s.Category == "part").ToList();
        Assert.Contains(parts, s => s.Thread == 1);
        Assert.Contains(parts, s => s.Thread == 0);
        // Every part lies within the node span it is named after (same run, caller's track).
        var nodes = r.Spans.Where(s => s.Thread == 0 && s.Category is not ("part" or "session")).ToList();
        foreach (var p in parts)
        {
            var node = nodes.Single(n => n.Name == p.Name && n.Run == p.Run);
            Assert.True(p.StartTicks >= node.StartTicks && p.EndTicks <= node.EndTicks, $"part of {p.Name} on thread {p.Thread} escapes the node");
        }
        using var stream = new MemoryStream();
        ChromeTrace.Write(r, stream);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var events = TraceAssert.IsValidTraceEventFile(doc.RootElement);
        Assert.Contains(events, e => e.Tid == 1 && e.Cat == "part");
    }

    [Fact]
    public void SingleThreadedSessionsRecordNoParts()
    {
        var r = ProfileChain(threads: 1, channels: 8, size: 8, layers: 1, iterations: 1);
        Assert.DoesNotContain(r.Spans, s => s.Category == "part");
    }

    [Fact]
    public void ArenaOfARealPlanMatchesTheHandCount()
    {
        // x → conv0 → a → conv1 → b → conv2 → y, each activation 8·16·16 floats = 8192 bytes. a is dead once
        // conv1 has run, so y reuses it: two buffers, 16384 bytes, which is also the most ever alive at once.
        using var model = ConvModels.Chain(channels: 8, size: 16, layers: 3);
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1, ReferenceKernels = true });
        using var x = Tensor.Allocate(DataType.Float32, 1, 8, 16, 16);
        var r = session.Profile(new Dictionary<string, Tensor> { ["x"] = x }, iterations: 1, warmup: 0);
        Assert.Equal(3, r.Nodes.Count);
        Assert.Equal(16384, r.Memory.ArenaBytes);
        Assert.Equal(16384, r.Memory.TheoreticalMinimumActivationBytes);
        Assert.Equal(3 * 8 * 8 * 9 * 4, r.Memory.WeightBytes);
        Assert.Equal(3 * 8 * 8 * 9 * 4 + 16384, r.Memory.TheoreticalMinimumBytes);
        Assert.All(r.Nodes, n => Assert.Equal("conv 3x3", n.Category));
        Assert.All(r.Nodes, n => Assert.Equal(8L * 8 * 9 * 16 * 16, n.Macs));
    }
}
