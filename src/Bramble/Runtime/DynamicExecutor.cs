using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>
/// Runs a graph node by node, inferring each node's shapes from the actual tensors and allocating its
/// outputs. The fallback for graphs whose shapes depend on run-time values (e.g. a Reshape whose target
/// shape is a graph input); slower than a plan, but it runs anything the operators support.
/// </summary>
internal static class DynamicExecutor
{
    public static Tensor[] Run(Model model, IReadOnlyList<Tensor> inputs, SessionOptions options, WorkerPool pool)
    {
        var graph = model.Graph;
        var values = new Dictionary<string, Tensor>();
        var owned = new List<Tensor>();
        int k = 0;
        foreach (var input in graph.RealInputs) values[input.Name] = inputs[k++];
        foreach (var (name, tensor) in graph.Initializers) values.TryAdd(name, tensor);

        var remainingUses = new Dictionary<string, int>();
        foreach (var node in graph.Nodes)
            foreach (var i in node.Inputs)
                if (i.Length > 0) remainingUses[i] = remainingUses.GetValueOrDefault(i) + 1;
        var keep = graph.Outputs.Select(o => o.Name).ToHashSet();

        try
        {
            foreach (var node in graph.Nodes)
            {
                using var op = OpRegistry.Create(node, model.OpsetFor(node.Domain));
                var ins = node.Inputs.Select(n => n.Length == 0 ? null : values[n]).ToArray();
                var outs = NodeEvaluator.Evaluate(op, model.OpsetFor(node.Domain), ins, options, pool);
                for (int o = 0; o < outs.Length; o++)
                {
                    if (outs[o] is not { } t) continue;
                    values[node.Outputs[o]] = t;
                    owned.Add(t);
                }
                foreach (var i in node.Inputs)
                {
                    if (i.Length == 0 || --remainingUses[i] > 0 || keep.Contains(i)) continue;
                    if (values[i] is { OwnsMemory: true } dead && owned.Remove(dead)) dead.Dispose();
                }
            }
            var results = graph.Outputs.Select(o => values[o.Name]).Select(t => owned.Remove(t) ? t : t.Clone()).ToArray();
            return results;
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }
}
