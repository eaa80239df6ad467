namespace Bramble.Graph;

/// <summary>Structural checks of a graph and its topological order.</summary>
public static class GraphValidator
{
    /// <summary>
    /// Checks that every value is defined exactly once and before use, and reorders
    /// <see cref="Graph.Nodes"/> topologically (stable: independent nodes keep their file order).
    /// Throws <see cref="GraphValidationException"/> naming the first problem found.
    /// </summary>
    public static void ValidateAndSort(Graph graph)
    {
        var defined = new HashSet<string>();
        foreach (var input in graph.Inputs)
            if (!defined.Add(input.Name) && !graph.Initializers.ContainsKey(input.Name))
                throw new GraphValidationException($"graph input '{input.Name}' is declared twice");
        foreach (var name in graph.Initializers.Keys) defined.Add(name);

        var producers = new Dictionary<string, Node>();
        foreach (var node in graph.Nodes)
            foreach (var output in node.Outputs)
            {
                if (output.Length == 0) continue;
                if (defined.Contains(output))
                    throw new GraphValidationException($"{node.Describe()} writes '{output}', which is already a graph input or initializer");
                if (producers.TryGetValue(output, out var other))
                    throw new GraphValidationException($"value '{output}' is produced twice: by {other.Describe()} and {node.Describe()}");
                producers[output] = node;
            }

        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs)
                if (input.Length > 0 && !defined.Contains(input) && !producers.ContainsKey(input))
                    throw new GraphValidationException($"{node.Describe()} reads '{input}', which nothing defines");

        foreach (var output in graph.Outputs)
            if (!defined.Contains(output.Name) && !producers.ContainsKey(output.Name))
                throw new GraphValidationException($"graph output '{output.Name}' is not produced by any node");

        // Kahn's algorithm over node indices; the ready queue is ordered by original position.
        int n = graph.Nodes.Count;
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < n; i++) index[graph.Nodes[i]] = i;
        var pending = new int[n];
        var dependents = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            dependents[i] = new List<int>();
        }
        for (int i = 0; i < n; i++)
        {
            var seen = new HashSet<int>();
            foreach (var input in graph.Nodes[i].Inputs)
            {
                if (input.Length == 0 || !producers.TryGetValue(input, out var p)) continue;
                int j = index[p];
                if (j == i)
                    throw new GraphValidationException($"{graph.Nodes[i].Describe()} reads its own output '{input}' (cycle)");
                if (seen.Add(j))
                {
                    pending[i]++;
                    dependents[j].Add(i);
                }
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < n; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(n);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(graph.Nodes[i]);
            foreach (int d in dependents[i])
                if (--pending[d] == 0) ready.Enqueue(d, d);
        }
        if (order.Count != n)
        {
            var stuck = graph.Nodes.Where((_, i) => pending[i] > 0).First();
            throw new GraphValidationException($"the graph has a cycle through {stuck.Describe()}");
        }
        graph.Nodes.Clear();
        graph.Nodes.AddRange(order);
    }
}
