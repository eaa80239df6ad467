using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Passes;

/// <summary>Questions passes ask about a graph before they rewrite it.</summary>
public static class GraphQueries
{
    /// <summary>The constant tensor named <paramref name="name"/>, or null if it is not an initializer (or is overridable by a graph input).</summary>
    public static Tensor? Constant(Bramble.Graph.Graph graph, string name) =>
        name.Length > 0 && graph.Initializers.TryGetValue(name, out var t) && graph.Inputs.All(i => i.Name != name) ? t : null;

    /// <summary>True when <paramref name="value"/> is read by exactly one node and is not a graph output.</summary>
    public static bool HasSingleConsumer(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, string value) =>
        consumers.TryGetValue(value, out var list) && list.Count == 1 && graph.Outputs.All(o => o.Name != value);

    /// <summary>Removes initializers no node reads any more (and that are not graph inputs/outputs).</summary>
    public static void DropUnusedInitializers(Bramble.Graph.Graph graph)
    {
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs));
        foreach (var o in graph.Outputs) used.Add(o.Name);
        foreach (var name in graph.Initializers.Keys.ToList())
            if (!used.Contains(name) && graph.Inputs.All(i => i.Name != name))
                graph.Initializers.Remove(name);
    }
}
