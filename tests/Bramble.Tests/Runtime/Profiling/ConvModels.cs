using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Runtime.Profiling;

/// <summary>Small convolution graphs built in code for profiler and planner tests.</summary>
internal static class ConvModels
{
    /// <summary>
    /// x [1, C, S, S] → conv0 → conv1 → … → y: 3×3 convolutions, padding 1, C → C channels, fixed-seed weights;
    /// with <paramref name="relu"/> a Relu follows each convolution.
    /// </summary>
    public static Model Chain(int channels, int size, int layers, bool relu = false)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, channels, size, size));
        var rng = new Random(3);
        string current = "x";
        for (int i = 0; i < layers; i++)
        {
            var w = new float[channels * channels * 9];
            for (int k = 0; k < w.Length; k++) w[k] = (float)(rng.NextDouble() - 0.5) * 0.2f;
            g.Initializers[$"w{i}"] = Tensor.FromArray(w, channels, channels, 3, 3);
            bool last = i == layers - 1;
            string output = last && !relu ? "y" : $"c{i}";
            var conv = new Node("Conv", [current, $"w{i}"], [output], $"conv{i}");
            conv.Attributes["kernel_shape"] = Bramble.Graph.Attribute.Of("kernel_shape", new long[] { 3, 3 });
            conv.Attributes["pads"] = Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 });
            g.Nodes.Add(conv);
            current = output;
            if (relu)
            {
                string r = last ? "y" : $"r{i}";
                g.Nodes.Add(new Node("Relu", [current], [r], $"relu{i}"));
                current = r;
            }
        }
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, channels, size, size));
        return new Model(g);
    }
}

/// <summary>Checks of Chrome's trace-event JSON format (the "JSON Object Format" with a traceEvents array).</summary>
internal static class TraceAssert
{
    /// <summary>
    /// Every event has name, ph, pid, tid; complete events ("X") have non-negative numeric ts and dur; metadata
    /// events ("M") name a thread; complete events on one thread nest properly (Perfetto requires it).
    /// Returns the complete events as (tid, name, cat, ts, dur).
    /// </summary>
    public static List<(int Tid, string Name, string Cat, double Ts, double Dur)> IsValidTraceEventFile(System.Text.Json.JsonElement root)
    {
        Assert.Equal(System.Text.Json.JsonValueKind.Object, root.ValueKind);
        var events = root.GetProperty("traceEvents");
        Assert.Equal(System.Text.Json.JsonValueKind.Array, events.ValueKind);
        var complete = new List<(int, string, string, double, double)>();
        var named = new HashSet<int>();
        foreach (var e in events.EnumerateArray())
        {
            string ph = e.GetProperty("ph").GetString()!;
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            Assert.Equal(System.Text.Json.JsonValueKind.Number, e.GetProperty("pid").ValueKind);
            int tid = e.GetProperty("tid").GetInt32();
            if (ph == "M")
            {
                Assert.Equal("thread_name", e.GetProperty("name").GetString());
                Assert.False(string.IsNullOrEmpty(e.GetProperty("args").GetProperty("name").GetString()));
                named.Add(tid);
                continue;
            }
            Assert.Equal("X", ph);
            double ts = e.GetProperty("ts").GetDouble(), dur = e.GetProperty("dur").GetDouble();
            Assert.True(ts >= 0 && dur >= 0, $"ts {ts} dur {dur}");
            complete.Add((tid, e.GetProperty("name").GetString()!, e.GetProperty("cat").GetString()!, ts, dur));
        }
        foreach (var c in complete) Assert.Contains(c.Item1, named);
        // Nesting per thread: sorted by start (longest first on ties), each event ends inside every open parent.
        foreach (var thread in complete.GroupBy(c => c.Item1))
        {
            var open = new Stack<double>();
            foreach (var c in thread.OrderBy(c => c.Item4).ThenByDescending(c => c.Item5))
            {
                while (open.Count > 0 && open.Peek() <= c.Item4) open.Pop();
                if (open.Count > 0) Assert.True(c.Item4 + c.Item5 <= open.Peek() + 0.002, $"'{c.Item2}' on thread {thread.Key} overlaps its parent's end");
                open.Push(c.Item4 + c.Item5);
            }
        }
        return complete;
    }
}
