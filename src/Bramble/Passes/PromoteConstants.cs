using Bramble.Graph;

namespace Bramble.Passes;

/// <summary>
/// Turns tensor-valued Constant nodes into initializers of the same name. Some exporters (paddle2onnx)
/// store every weight, bias and BatchNormalization statistic as a Constant node; the folding and fusion
/// passes look for initializers, so without this step a Conv → BatchNormalization pair stays two nodes.
/// </summary>
/// <remarks>
/// The initializer is a copy: the node's tensor may belong to a caller's model that the session only
/// shares (<see cref="Model.CloneStructure"/>), so the session must own what it later frees or replaces.
/// Constants that are graph outputs stay nodes (an initializer output would alias the model's weights).
/// </remarks>
public sealed class PromoteConstants : IGraphPass
{
    public string Name => "promote-constants";

    public int Run(Model model)
    {
        var graph = model.Graph;
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        var inputs = new HashSet<string>(graph.Inputs.Select(i => i.Name));
        int promoted = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.OpType != "Constant" || node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Attributes.Count != 1) continue;
            var value = node.GetTensor("value");
            string name = node.Outputs[0];
            if (value == null || name.Length == 0 || outputs.Contains(name) || inputs.Contains(name) || graph.Initializers.ContainsKey(name)) continue;
            graph.Initializers[name] = value.Clone();
            graph.Nodes.Remove(node);
            promoted++;
        }
        return promoted;
    }
}
