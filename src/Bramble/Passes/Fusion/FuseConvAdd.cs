using Bramble.Graph;
using Bramble.Ops;

namespace Bramble.Passes.Fusion;

/// <summary>
/// Conv → Add(·, Z) [→ activation] becomes ai.bramble:FusedConv with Z as its fourth input: the residual of
/// ResNet, MobileNetV2 and BlazeFace blocks is added in the conv's epilogue while each output tile is still
/// in cache, instead of two more passes over memory (Add, then Relu). Z must be computed (a constant Z is a
/// bias, which other passes fold); the conv's output must feed only the Add. The fused node takes the Add's
/// place in the node order, since Z may be computed after the conv.
/// </summary>
public sealed class FuseConvAdd : IGraphPass
{
    public string Name => "fuse-conv-add";

    public int Run(Model model)
    {
        var g = new FusionGraph(model);
        int fused = 0;
        foreach (var conv in g.Graph.Nodes.ToList())
        {
            if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Outputs.Count != 1 || conv.Inputs.Count > 3) continue;
            var add = g.SingleConsumer(conv.Outputs[0]);
            if (add == null || add.OpType != "Add" || add.Domain.Length != 0 || add.Outputs.Count != 1) continue;
            string? z = FusionGraph.OtherInput(add, conv.Outputs[0]);
            if (z == null || z.Length == 0 || g.Constant(z) != null) continue;
            var activation = ActivationMatcher.Match(g, add.Outputs[0]);
            var removed = new List<Node> { add };
            conv.OpType = "FusedConv";
            conv.Domain = OpRegistry.BrambleDomain;
            while (conv.Inputs.Count < 3) conv.Inputs.Add("");
            conv.Inputs.Add(z);
            if (activation != null)
            {
                FuseActivation.SetActivation(conv, activation);
                conv.Outputs[0] = activation.Output;
                removed.AddRange(activation.Nodes);
            }
            else conv.Outputs[0] = add.Outputs[0];
            var nodes = g.Graph.Nodes;
            nodes.Remove(conv);
            nodes.Insert(nodes.IndexOf(add), conv);
            g.Remove(removed);
            fused++;
        }
        if (fused > 0 && !model.Opsets.ContainsKey(OpRegistry.BrambleDomain)) model.Opsets[OpRegistry.BrambleDomain] = 1;
        return fused;
    }
}
