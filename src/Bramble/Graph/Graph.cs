using Bramble.Tensors;

namespace Bramble.Graph;

/// <summary>
/// A computation graph: nodes over named values, constant initializers, declared inputs and outputs.
/// Mutable so that passes can rewrite it; <see cref="GraphValidator"/> checks it and orders it.
/// </summary>
public sealed class Graph
{
    public string Name { get; set; } = "main";
    public List<Node> Nodes { get; } = new();

    /// <summary>Constant tensors by name (weights, folded shape values). The graph owns them.</summary>
    public Dictionary<string, Tensor> Initializers { get; } = new();

    public List<ValueInfo> Inputs { get; } = new();
    public List<ValueInfo> Outputs { get; } = new();

    /// <summary>Type/shape annotations of intermediate values, when known.</summary>
    public Dictionary<string, ValueInfo> ValueInfos { get; } = new();

    public string DocString { get; set; } = "";

    /// <summary>Graph inputs that are not also initializers (ONNX allows an initializer to be a default input).</summary>
    public IEnumerable<ValueInfo> RealInputs => Inputs.Where(i => !Initializers.ContainsKey(i.Name));

    /// <summary>The node that produces each value.</summary>
    public Dictionary<string, Node> ProducerMap()
    {
        var map = new Dictionary<string, Node>();
        foreach (var n in Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) map[o] = n;
        return map;
    }

    /// <summary>The nodes that read each value.</summary>
    public Dictionary<string, List<Node>> ConsumerMap()
    {
        var map = new Dictionary<string, List<Node>>();
        foreach (var n in Nodes)
            foreach (var i in n.Inputs)
            {
                if (i.Length == 0) continue;
                if (!map.TryGetValue(i, out var list)) map[i] = list = new List<Node>();
                list.Add(n);
            }
        return map;
    }

    /// <summary>A name not used by any value in this graph, starting from <paramref name="stem"/>.</summary>
    public string UniqueName(string stem)
    {
        _usedNames ??= new HashSet<string>(Nodes.SelectMany(n => n.Outputs.Append(n.Name))
            .Concat(Initializers.Keys).Concat(Inputs.Select(i => i.Name)));
        string name = stem;
        for (int i = 1; !_usedNames.Add(name); i++) name = $"{stem}_{i}";
        return name;
    }

    private HashSet<string>? _usedNames;

    /// <summary>Total bytes of all initializers.</summary>
    public long WeightBytes => Initializers.Values.Sum(t => t.ByteLength);
}
