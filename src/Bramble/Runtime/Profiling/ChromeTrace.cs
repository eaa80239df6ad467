using System.Diagnostics;
using System.Text.Json;

namespace Bramble.Runtime.Profiling;

/// <summary>
/// Writes a profile in Chrome's trace-event format (a JSON object with a "traceEvents" array of complete
/// "X" events, times in microseconds), which Perfetto and chrome://tracing open. One track per thread.
/// </summary>
public static class ChromeTrace
{
    public static void Write(ProfileReport report, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        long origin = report.Spans.Count > 0 ? report.Spans.Min(s => s.StartTicks) : 0;
        double UsSince(long ticks) => (ticks - origin) * 1e6 / Stopwatch.Frequency;

        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        foreach (int thread in report.Spans.Select(s => s.Thread).Distinct().Order())
        {
            json.WriteStartObject();
            json.WriteString("name", "thread_name");
            json.WriteString("ph", "M");
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", thread);
            json.WriteStartObject("args");
            json.WriteString("name", thread == 0 ? "caller" : $"worker {thread}");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        var byName = report.Nodes.GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.First());
        foreach (var span in report.Spans)
        {
            json.WriteStartObject();
            json.WriteString("name", span.Name);
            json.WriteString("cat", span.Category);
            json.WriteString("ph", "X");
            json.WriteNumber("ts", Math.Round(UsSince(span.StartTicks), 3));
            json.WriteNumber("dur", Math.Round(Math.Max(0, UsSince(span.EndTicks) - UsSince(span.StartTicks)), 3));
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", span.Thread);
            json.WriteStartObject("args");
            json.WriteNumber("run", span.Run);
            if (byName.TryGetValue(span.Name, out var node) && span.Category == node.OpType)
            {
                json.WriteString("kernel", node.Kernel);
                json.WriteString("output_shape", string.Join("x", node.OutputShape));
                json.WriteNumber("macs", node.Macs);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void Write(ProfileReport report, string path)
    {
        using var file = File.Create(path);
        Write(report, file);
    }
}
