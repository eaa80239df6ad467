using Bramble.Runtime.Profiling;

namespace Bramble.Quantization;

/// <summary>
/// Splits a profiled quantized model's time among its layers: each layer is charged its own node (the folded
/// int8 kernel, or the float op it still runs) plus the QuantizeLinear / DequantizeLinear nodes that exist only
/// because it is int8. A layer that is int8 but makes its neighbours convert activations back and forth pays
/// for those conversions, so comparing the charge with the layer's float time tells whether int8 pays.
/// Likewise a float op that the float model fuses into the layer (an activation, a residual Add) but that runs on
/// its own behind an int8 layer is charged to that layer: the layer's float time includes it.
/// </summary>
public static class LayerCostAttribution
{
    /// <summary>
    /// Per layer name in <paramref name="layers"/> that ran, its charged time (typical ms per run). A QuantizeLinear
    /// is charged to the layers that read its codes, or, when only dequantizing nodes read them (a round trip for
    /// float readers), to the layer whose output it quantized. A DequantizeLinear of a run-time value is charged
    /// where the codes it reads come from: their layer, or the charge of the QuantizeLinear that made them. Any
    /// other node missing from <paramref name="floatNodes"/> (the node names the float model's plan executes) is
    /// charged like a DequantizeLinear, through its first input that leads to a layer.
    /// </summary>
    public static Dictionary<string, double> Attribute(IReadOnlyList<NodeProfile> nodes, IReadOnlySet<string> layers, IReadOnlySet<string>? floatNodes = null)
    {
        var producer = new Dictionary<string, NodeProfile>();
        var readers = new Dictionary<string, List<NodeProfile>>();
        foreach (var node in nodes)
        {
            foreach (var output in node.OutputNames)
                if (output.Length > 0) producer[output] = node;
            foreach (var input in node.InputNames)
                if (input.Length > 0)
                {
                    if (!readers.TryGetValue(input, out var list)) readers[input] = list = new List<NodeProfile>();
                    list.Add(node);
                }
        }

        var cost = new Dictionary<string, double>();
        foreach (var node in nodes)
            if (IsLayer(node, layers)) cost[node.Name] = cost.GetValueOrDefault(node.Name) + node.TypicalMs;

        // Which layers a non-layer node's time belongs to (memoised: a DequantizeLinear follows its QuantizeLinear).
        var owners = new Dictionary<NodeProfile, List<string>>(ReferenceEqualityComparer.Instance);
        List<string> OwnersOf(NodeProfile node)
        {
            if (owners.TryGetValue(node, out var known)) return known;
            var result = new List<string>();
            owners[node] = result; // a cycle through conversions (never in a valid graph) ends here with no owner
            if (node.OpType == "QuantizeLinear")
            {
                foreach (var reader in readers.GetValueOrDefault(node.OutputNames[0]) ?? [])
                    if (IsLayer(reader, layers) && !result.Contains(reader.Name)) result.Add(reader.Name);
                if (result.Count == 0)
                {
                    if (Source(node.InputNames[0]) is { } made) result.Add(made);
                    else result.AddRange(Upstream(node.InputNames[0]));
                }
            }
            else if (node.OpType == "DequantizeLinear") result.AddRange(Upstream(node.InputNames[0]));
            else if (floatNodes != null && !IsLayer(node, layers) && !floatNodes.Contains(node.Name))
                foreach (var input in node.InputNames)
                    if (result.Count == 0 && input.Length > 0) result.AddRange(Upstream(input));
            return result;
        }

        // The layers a value is charged to: its producer if that is a layer, else whatever its producing conversion
        // or unfused float op is charged to.
        List<string> Upstream(string value)
        {
            if (!producer.TryGetValue(value, out var from)) return [];
            return IsLayer(from, layers) ? [from.Name] : OwnersOf(from);
        }

        // The layer whose float output a QuantizeLinear reads, looking through the Clip that narrow activations add.
        string? Source(string value)
        {
            for (int hops = 0; hops < 2 && producer.TryGetValue(value, out var p); hops++)
            {
                if (IsLayer(p, layers)) return p.Name;
                if (p.OpType != "Clip" || p.InputNames.Count == 0) return null;
                value = p.InputNames[0];
            }
            return null;
        }

        foreach (var node in nodes)
        {
            if (IsLayer(node, layers)) continue;
            var to = OwnersOf(node);
            foreach (var layer in to) cost[layer] = cost.GetValueOrDefault(layer) + node.TypicalMs / to.Count;
        }
        return cost;
    }

    private static bool IsLayer(NodeProfile node, IReadOnlySet<string> layers) =>
        node.OpType is not ("QuantizeLinear" or "DequantizeLinear") && layers.Contains(node.Name);
}
