using Bramble.Quantization;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// Prints the quantize report: the int8 layers, the layers kept float with their reasons, the measured
/// keep-float search (most sensitive layers first), sizes, and the output cosine against float.
/// </summary>
internal static class QuantizeReportView
{
    /// <summary>Sensitivity rows shown: enough to see why the kept layers were chosen without listing every layer of a large model.</summary>
    private const int SensitivityRows = 12;

    public static void Print(CliContext context, string path, string outPath, QuantizeReport report, Dictionary<string, double> cosine, string evaluatedOn)
    {
        var console = context.Console;
        console.WriteLine($"Quantized {path} -> {outPath} ({report.Samples} calibration samples)");
        var table = new Table().AddColumns("layer", "op", "MACs", "weight error", "x scale", "y scale");
        foreach (var l in report.Quantized)
            table.AddRow(Markup.Escape(l.Name), l.OpType, l.Macs.ToString("N0"), l.WeightError.ToString("P2"), l.InputScale.ToString("G4"), l.OutputScale.ToString("G4"));
        console.Write(table);
        if (report.Kept.Count > 0)
        {
            var kept = new Table().AddColumns("kept float", "op", "reason");
            foreach (var k in report.Kept) kept.AddRow(Markup.Escape(k.Name), k.OpType, Markup.Escape(k.Reason));
            console.Write(kept);
        }
        if (report.Search is { } search) PrintSearch(console, search);
        if (report.Speed is { } speed) PrintSpeed(console, speed);
        console.WriteLine($"Layers: {report.Quantized.Count} int8, {report.Kept.Count} float. Weights: {report.FloatWeightBytes:N0} -> {report.QuantizedWeightBytes:N0} bytes " +
            $"({(double)report.FloatWeightBytes / Math.Max(1, report.QuantizedWeightBytes):F2}x smaller)");
        foreach (var (name, c) in cosine) console.WriteLine($"Output '{name}': cosine similarity vs float {c:F5} on {evaluatedOn}");
    }

    private static void PrintSpeed(IAnsiConsole console, SpeedCheckResult speed)
    {
        var table = new Table().AddColumns("layer (measured)", "op", "int8 ms", "float ms", "int8 speed-up", "kept float");
        foreach (var t in speed.Timings.OrderByDescending(t => t.FloatMs))
            table.AddRow(Markup.Escape(t.Name), t.OpType, t.Int8Ms.ToString("F3"), t.FloatMs.ToString("F3"),
                t.Speedup > 0 ? $"{t.Speedup:F2}x" : "-", speed.KeepFloat.ContainsKey(t.Name) ? "yes" : "");
        console.Write(table);
        console.WriteLine($"Speed check ({speed.Threads} thread(s), {speed.Rounds} profile(s) of the int8 model): {speed.KeepFloat.Count} layer(s) kept float " +
            $"for not being {speed.MinSpeedup:0.##}x faster in int8 (int8 times include the quantize/dequantize nodes each layer causes)");
    }

    private static void PrintSearch(IAnsiConsole console, KeepFloatResult search)
    {
        if (search.Sensitivity.Count > 0)
        {
            var table = new Table().AddColumns("most sensitive layers", "op", "output cosine alone in int8", "kept float");
            foreach (var s in search.Sensitivity.Take(SensitivityRows))
                table.AddRow(Markup.Escape(s.Name), s.OpType, s.CosineAlone.ToString("F5"), search.KeepFloat.ContainsKey(s.Name) ? "yes" : "");
            console.Write(table);
        }
        string verdict = search.TargetMet ? "met" : "NOT met even with every helpful layer float";
        console.WriteLine($"Keep-float search on {search.Samples} calibration samples: output cosine {search.CosineBefore:F5} with every eligible layer int8, " +
            $"{search.CosineAfter:F5} with {search.KeepFloat.Count} kept float; target {search.Target:F4} {verdict}");
    }
}
