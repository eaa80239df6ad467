using Bramble.Graph;
using Bramble.Ops;

namespace Bramble.Passes.Fusion;

/// <summary>
/// Shared rewrite of the activation fusions: a producer (Conv, Gemm) followed by a recognised activation
/// becomes one Bramble-domain node that applies the activation in the kernel's epilogue, while the
/// output is still in cache.
/// </summary>
internal static class FuseActivation
{
    /// <summary>Rewrites every <paramref name="opType"/> node whose output 0 feeds an activation; returns the count.</summary>
    public static int Run(Model model, string opType, string fusedOpType)
    {
        var g = new FusionGraph(model);
        int fused = 0;
        foreach (var node in g.Graph.Nodes.ToList())
        {
            if (node.OpType != opType || node.Domain.Length != 0 || node.Outputs.Count != 1) continue;
            var match = ActivationMatcher.Match(g, node.Outputs[0]);
            if (match == null) continue;
            node.OpType = fusedOpType;
            node.Domain = OpRegistry.BrambleDomain;
            SetActivation(node, match);
            node.Outputs[0] = match.Output;
            g.Remove(match.Nodes);
            fused++;
        }
        if (fused > 0 && !model.Opsets.ContainsKey(OpRegistry.BrambleDomain)) model.Opsets[OpRegistry.BrambleDomain] = 1;
        return fused;
    }

    public static void SetActivation(Node node, ActivationMatch match)
    {
        node.Attributes["activation"] = Bramble.Graph.Attribute.Of("activation", match.Activation.ToString());
        node.Attributes["activation_alpha"] = Bramble.Graph.Attribute.Of("activation_alpha", match.Alpha);
        node.Attributes["activation_beta"] = Bramble.Graph.Attribute.Of("activation_beta", match.Beta);
    }
}
