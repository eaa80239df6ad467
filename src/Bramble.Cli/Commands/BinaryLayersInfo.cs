using Bramble.Cli.Support;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// The binary-layer section of `bramble info`: every ai.bramble BinaryConv/BinaryGemm the load-time pass made,
/// with its shape and the size of its packed weights against the float32 weights it replaces.
/// </summary>
internal static class BinaryLayersInfo
{
    public static void Print(IAnsiConsole console, InferenceSession session)
    {
        var graph = session.Model.Graph;
        var layers = graph.Nodes.Where(n => n.Domain == OpRegistry.BrambleDomain && n.OpType is "BinaryConv" or "BinaryGemm").ToList();
        if (layers.Count == 0) return;
        var table = new Table().AddColumns("binary layer", "op", "weights", "float32", "packed", "ratio");
        long floatTotal = 0, packedTotal = 0;
        foreach (var node in layers)
        {
            if (!graph.Initializers.TryGetValue(node.Inputs[1], out var w)) continue;
            long channels = node.GetInt("channels", 0);
            long weights = w.Length / w.Shape[^1] * channels; // packed words hold the real channels plus padding bits
            long floatBytes = weights * sizeof(float), packedBytes = w.ByteLength;
            floatTotal += floatBytes;
            packedTotal += packedBytes;
            table.AddRow(InfoCommand.Cells(node.DisplayName, node.OpType,
                $"{w.Shape[0]}x{channels}{string.Concat(w.Shape[1..^1].Select(d => "x" + d))}",
                Format.Bytes(floatBytes), Format.Bytes(packedBytes), $"{(double)floatBytes / packedBytes:F1}x"));
        }
        console.WriteLine($"Binary layers: {layers.Count} (XNOR-popcount kernels; weights packed 1 bit each, channels padded to 64)");
        console.Write(table);
        console.WriteLine($"Binary weights: {Format.Bytes(packedTotal)} packed instead of {Format.Bytes(floatTotal)} float32");
    }
}
