using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>
/// Decides, while a plan is built, when a constant's data is no longer needed: every node reading it has
/// either been folded (its result is a new constant) or made its own copy in Prepare (packed weights, see
/// <see cref="Operator.OwnsCopyOfInput"/>). Such a constant is freed at once, so packing the whole model
/// never holds two copies of it. Constants read at run time, graph outputs and tensors the caller keeps
/// (<c>mayFree</c> false) are never freed. Freed tensors stay in the plan's values (their shape and type
/// are still right), only their data is gone.
/// </summary>
internal sealed class ConstantRelease
{
    private readonly Dictionary<string, int> _readers = new();
    private readonly HashSet<Tensor> _initializers;
    private readonly HashSet<Tensor> _planOwned = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _released = new(ReferenceEqualityComparer.Instance);
    private readonly Func<Tensor, bool> _mayFree;
    private bool _started;

    public ConstantRelease(Graph.Graph graph, Func<Tensor, bool> mayFree)
    {
        _mayFree = mayFree;
        _initializers = new HashSet<Tensor>(graph.Initializers.Values, ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs)
                if (input.Length > 0) _readers[input] = _readers.GetValueOrDefault(input) + 1;
        // A graph output is read by the caller after every run.
        foreach (var output in graph.Outputs) _readers[output.Name] = _readers.GetValueOrDefault(output.Name) + 1;
    }

    /// <summary>Tensors freed so far.</summary>
    public IReadOnlyCollection<Tensor> Released => _released;

    /// <summary>A constant the plan folded and owns: it may be freed like the caller's releasable initializers.</summary>
    public void OwnedByPlan(Tensor t) => _planOwned.Add(t);

    /// <summary>A node was folded: its constant inputs lost a reader. Nothing is freed before <see cref="Begin"/>.</summary>
    public void Folded(int[] inputs, List<ExecutionPlan.Value> values)
    {
        foreach (int id in inputs)
            if (id >= 0 && values[id].Constant != null) Drop(values, id);
    }

    /// <summary>The plan will be built (no dynamic shape): frees constants that only folded nodes (or nobody) read.</summary>
    public void Begin(List<ExecutionPlan.Value> values)
    {
        _started = true;
        for (int id = 0; id < values.Count; id++)
            if (values[id].Constant != null && _readers.GetValueOrDefault(values[id].Name) == 0) TryFree(values, id);
    }

    /// <summary>A step was prepared: inputs it copied lose a reader; the others stay needed at run time.</summary>
    public void Prepared(Operator op, int[] inputs, List<ExecutionPlan.Value> values)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            int id = inputs[i];
            if (id < 0 || values[id].Constant == null || !op.OwnsCopyOfInput(i)) continue;
            Drop(values, id);
        }
    }

    private void Drop(List<ExecutionPlan.Value> values, int id)
    {
        string name = values[id].Name;
        int left = _readers.GetValueOrDefault(name) - 1;
        _readers[name] = left;
        if (left == 0 && _started) TryFree(values, id);
    }

    private void TryFree(List<ExecutionPlan.Value> values, int id)
    {
        var t = values[id].Constant!;
        if (_released.Contains(t)) return;
        bool releasable = _planOwned.Contains(t) || (_initializers.Contains(t) && _mayFree(t));
        if (!releasable) return;
        // The same tensor may be the value of another name (an initializer listed twice) still read at run time.
        foreach (var other in values)
            if (ReferenceEquals(other.Constant, t) && other.Name != values[id].Name && _readers.GetValueOrDefault(other.Name) != 0) return;
        t.Dispose();
        _released.Add(t);
    }
}
