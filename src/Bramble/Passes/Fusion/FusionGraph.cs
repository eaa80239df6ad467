using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Passes.Fusion;

/// <summary>
/// A graph with its producer/consumer maps, plus the questions fusion passes ask: which values are
/// constants (initializers or Constant nodes, which exporters such as paddle2onnx use for scalars) and
/// which values are read by exactly one node.
/// </summary>
internal sealed class FusionGraph
{
    public FusionGraph(Model model)
    {
        Model = model;
        Graph = model.Graph;
        Producers = Graph.ProducerMap();
        Consumers = Graph.ConsumerMap();
        _outputs = new HashSet<string>(Graph.Outputs.Select(o => o.Name));
        _inputs = new HashSet<string>(Graph.Inputs.Select(i => i.Name));
    }

    private readonly HashSet<string> _outputs;
    private readonly HashSet<string> _inputs;

    public Model Model { get; }
    public Bramble.Graph.Graph Graph { get; }
    public Dictionary<string, Node> Producers { get; }
    public Dictionary<string, List<Node>> Consumers { get; }

    public bool IsGraphOutput(string value) => _outputs.Contains(value);

    /// <summary>The nodes reading <paramref name="value"/> (a node reading it twice appears twice).</summary>
    public IReadOnlyList<Node> ConsumersOf(string value) =>
        Consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The only node reading <paramref name="value"/>, when it is also not a graph output.</summary>
    public Node? SingleConsumer(string value) =>
        !IsGraphOutput(value) && Consumers.TryGetValue(value, out var list) && list.Count == 1 ? list[0] : null;

    /// <summary>The constant value of <paramref name="name"/> (an initializer not overridable by an input, or a Constant node's tensor).</summary>
    public Tensor? Constant(string name)
    {
        if (name.Length == 0 || _inputs.Contains(name)) return null;
        if (Graph.Initializers.TryGetValue(name, out var t)) return t;
        if (Producers.TryGetValue(name, out var p) && p.OpType == "Constant" && p.Domain.Length == 0)
            return p.GetTensor("value");
        return null;
    }

    /// <summary>True when <paramref name="name"/> is a float32 constant holding exactly one value.</summary>
    public bool TryScalar(string name, out float value)
    {
        value = 0;
        var t = Constant(name);
        if (t == null || t.Type != DataType.Float32 || t.Length != 1) return false;
        value = t.AsReadOnlySpan<float>()[0];
        return true;
    }

    /// <summary>True when <paramref name="name"/> is a float32 scalar constant within a relative 1e-6 of <paramref name="expected"/>.</summary>
    public bool IsScalar(string name, float expected) =>
        TryScalar(name, out float v) && MathF.Abs(v - expected) <= 1e-6f * MathF.Max(1, MathF.Abs(expected));

    /// <summary>The input of a binary node that is not <paramref name="value"/>, or null if the node does not read it exactly once.</summary>
    public static string? OtherInput(Node binary, string value)
    {
        if (binary.Inputs.Count != 2) return null;
        if (binary.Inputs[0] == value && binary.Inputs[1] != value) return binary.Inputs[1];
        if (binary.Inputs[1] == value && binary.Inputs[0] != value) return binary.Inputs[0];
        return null;
    }

    /// <summary>Removes nodes and re-reads the maps (rewrites are rare, so simplicity wins over incremental updates).</summary>
    public void Remove(IEnumerable<Node> nodes)
    {
        foreach (var n in nodes) Graph.Nodes.Remove(n);
        Refresh();
    }

    public void Refresh()
    {
        Producers.Clear();
        foreach (var (k, v) in Graph.ProducerMap()) Producers[k] = v;
        Consumers.Clear();
        foreach (var (k, v) in Graph.ConsumerMap()) Consumers[k] = v;
    }
}
