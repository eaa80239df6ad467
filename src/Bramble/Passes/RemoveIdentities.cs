using Bramble.Graph;

namespace Bramble.Passes;

/// <summary>
/// Drops Identity and inference-time Dropout nodes by renaming their consumers' inputs, unless the node
/// connects a graph input straight to a graph output (then there is nothing to rename).
/// </summary>
public sealed class RemoveIdentities : IGraphPass
{
    public string Name => "remove-identities";

    public int Run(Model model)
    {
        var graph = model.Graph;
        int removed = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            bool isIdentity = node.Domain.Length == 0 && (node.OpType == "Identity"
                || node.OpType == "Dropout" && node.Outputs.Skip(1).All(o => o.Length == 0) && node.GetInt("training_mode", 0) == 0
                   && node.Inputs.Skip(2).All(i => i.Length == 0));
            if (!isIdentity) continue;
            string from = node.Inputs[0], to = node.Outputs[0];
            bool toIsOutput = graph.Outputs.Any(o => o.Name == to);
            if (toIsOutput)
            {
                // Keep the graph output's name: rename the producer's output instead, if there is one we may rename.
                bool fromIsInputOrConst = graph.Inputs.Any(i => i.Name == from) || graph.Initializers.ContainsKey(from)
                    || graph.Outputs.Any(o => o.Name == from);
                if (fromIsInputOrConst) continue;
                foreach (var n in graph.Nodes)
                {
                    for (int i = 0; i < n.Outputs.Count; i++) if (n.Outputs[i] == from) n.Outputs[i] = to;
                    for (int i = 0; i < n.Inputs.Count; i++) if (n.Inputs[i] == from) n.Inputs[i] = to;
                }
            }
            else
            {
                foreach (var n in graph.Nodes)
                    for (int i = 0; i < n.Inputs.Count; i++) if (n.Inputs[i] == to) n.Inputs[i] = from;
            }
            graph.Nodes.Remove(node);
            removed++;
        }
        return removed;
    }
}
