using Bramble.Graph;
using Bramble.Kernels.Gemm;

namespace Bramble.Passes.Fusion;

/// <summary>An activation found after a value: what it computes, the value it ends in, and the nodes it replaces.</summary>
internal sealed record ActivationMatch(Activation Activation, float Alpha, float Beta, string Output, List<Node> Nodes);

/// <summary>
/// Recognises the activation applied to a value, as a single ONNX op (Relu, LeakyRelu, Clip, HardSigmoid,
/// HardSwish, Sigmoid) or as the decompositions exporters emit: x·Sigmoid(x) (SiLU), x·Tanh(Softplus(x))
/// (Mish), x·HardSigmoid(x) and x·Clip(x+3, 0, 6)/6 in either association (HardSwish, as paddle2onnx writes it).
/// Every intermediate value must be read only inside the pattern.
/// </summary>
internal static class ActivationMatcher
{
    private const float OneSixth = 1f / 6;

    public static ActivationMatch? Match(FusionGraph g, string x)
    {
        if (g.IsGraphOutput(x)) return null;
        var consumers = g.ConsumersOf(x);
        if (consumers.Count == 1) return MatchSingle(g, consumers[0], x);
        if (consumers.Count == 2) return MatchGated(g, consumers[0], consumers[1], x) ?? MatchGated(g, consumers[1], consumers[0], x);
        return null;
    }

    /// <summary>One consumer: an activation op, or the x+3 → Clip(0,6) → /6 form of HardSigmoid(1/6, 1/2).</summary>
    private static ActivationMatch? MatchSingle(FusionGraph g, Node n, string x)
    {
        // Unary activations read x as input 0; the Add of x + 3 may read it on either side.
        if (n.Domain.Length != 0 || n.Inputs.Count == 0 || (n.Inputs[0] != x && n.OpType != "Add") || n.Outputs.Count < 1) return null;
        var nodes = new List<Node> { n };
        switch (n.OpType)
        {
            case "Relu": return new(Activation.Relu, 0, 0, n.Outputs[0], nodes);
            case "LeakyRelu": return new(Activation.LeakyRelu, n.GetFloat("alpha", 0.01f), 0, n.Outputs[0], nodes);
            case "Sigmoid": return new(Activation.Sigmoid, 0, 0, n.Outputs[0], nodes);
            case "HardSwish": return new(Activation.HardSwish, 0, 0, n.Outputs[0], nodes);
            case "HardSigmoid":
            {
                float a = n.GetFloat("alpha", 0.2f), b = n.GetFloat("beta", 0.5f);
                // The epilogue reads alpha = beta = 0 as "defaults": that degenerate case stays unfused.
                return a == 0 && b == 0 ? null : new(Activation.HardSigmoid, a, b, n.Outputs[0], nodes);
            }
            case "Clip":
                return TryClipBounds(g, n, out float lo, out float hi) ? new(Activation.Clip, lo, hi, n.Outputs[0], nodes) : null;
            case "Add":
            {
                var chain = MatchShiftedClip(g, n, x);
                if (chain == null) return null;
                var scale = SingleDivideBySix(g, chain[^1].Outputs[0]);
                if (scale == null) return null;
                chain.Add(scale);
                return new(Activation.HardSigmoid, OneSixth, 0.5f, scale.Outputs[0], chain);
            }
            default: return null;
        }
    }

    /// <summary>Two consumers: <paramref name="mul"/> = x · f(x) where <paramref name="first"/> starts f.</summary>
    private static ActivationMatch? MatchGated(FusionGraph g, Node mul, Node first, string x)
    {
        if (mul.OpType != "Mul" || mul.Domain.Length != 0 || ReferenceEquals(mul, first)) return null;
        string? gate = FusionGraph.OtherInput(mul, x);
        if (gate == null || first.Domain.Length != 0 || first.Inputs.Count == 0 || (first.Inputs[0] != x && first.OpType != "Add")) return null;

        switch (first.OpType)
        {
            case "Sigmoid" when first.Outputs[0] == gate && g.SingleConsumer(gate) == mul:
                return new(Activation.SiLU, 0, 0, mul.Outputs[0], [first, mul]);
            case "HardSigmoid" when first.Outputs[0] == gate && g.SingleConsumer(gate) == mul
                && Near(first.GetFloat("alpha", 0.2f), OneSixth) && first.GetFloat("beta", 0.5f) == 0.5f:
                return new(Activation.HardSwish, 0, 0, mul.Outputs[0], [first, mul]);
            case "Softplus":
            {
                var tanh = g.SingleConsumer(first.Outputs[0]);
                if (tanh == null || tanh.OpType != "Tanh" || tanh.Outputs[0] != gate || g.SingleConsumer(gate) != mul) return null;
                return new(Activation.Mish, 0, 0, mul.Outputs[0], [first, tanh, mul]);
            }
            case "Add":
            {
                var chain = MatchShiftedClip(g, first, x);
                if (chain == null) return null;
                string clipped = chain[^1].Outputs[0];
                if (clipped == gate && g.SingleConsumer(gate) == mul)
                {
                    // x · Clip(x+3, 0, 6), then / 6.
                    var scale = SingleDivideBySix(g, mul.Outputs[0]);
                    if (scale == null) return null;
                    chain.Add(mul);
                    chain.Add(scale);
                    return new(Activation.HardSwish, 0, 0, scale.Outputs[0], chain);
                }
                // x · (Clip(x+3, 0, 6) / 6).
                var div = SingleDivideBySix(g, clipped);
                if (div == null || div.Outputs[0] != gate || g.SingleConsumer(gate) != mul) return null;
                chain.Add(div);
                chain.Add(mul);
                return new(Activation.HardSwish, 0, 0, mul.Outputs[0], chain);
            }
            default: return null;
        }
    }

    /// <summary>Add(x, 3) → Clip(0, 6), each intermediate read once.</summary>
    private static List<Node>? MatchShiftedClip(FusionGraph g, Node add, string x)
    {
        if (add.OpType != "Add" || add.Domain.Length != 0) return null;
        string? three = FusionGraph.OtherInput(add, x);
        if (three == null || !g.IsScalar(three, 3)) return null;
        var clip = g.SingleConsumer(add.Outputs[0]);
        if (clip == null || clip.OpType != "Clip" || clip.Domain.Length != 0 || clip.Inputs[0] != add.Outputs[0]) return null;
        if (!TryClipBounds(g, clip, out float lo, out float hi) || lo != 0 || hi != 6) return null;
        return [add, clip];
    }

    /// <summary>The single consumer of <paramref name="value"/> when it is value / 6 or value · (1/6).</summary>
    private static Node? SingleDivideBySix(FusionGraph g, string value)
    {
        var n = g.SingleConsumer(value);
        if (n == null || n.Domain.Length != 0) return null;
        if (n.OpType == "Div" && n.Inputs.Count == 2 && n.Inputs[0] == value && g.IsScalar(n.Inputs[1], 6)) return n;
        if (n.OpType == "Mul")
        {
            string? other = FusionGraph.OtherInput(n, value);
            if (other != null && g.TryScalar(other, out float s) && Near(s, OneSixth)) return n;
        }
        return null;
    }

    /// <summary>Clip's bounds: attributes before opset 11, constant inputs after; an absent bound is infinite.</summary>
    public static bool TryClipBounds(FusionGraph g, Node clip, out float lo, out float hi)
    {
        lo = float.NegativeInfinity;
        hi = float.PositiveInfinity;
        if (g.Model.OpsetFor("") < 11)
        {
            lo = clip.GetFloat("min", float.NegativeInfinity);
            hi = clip.GetFloat("max", float.PositiveInfinity);
            return true;
        }
        string min = clip.InputOrEmpty(1), max = clip.InputOrEmpty(2);
        if (min.Length > 0 && !g.TryScalar(min, out lo)) return false;
        if (max.Length > 0 && !g.TryScalar(max, out hi)) return false;
        return !float.IsNaN(lo) && !float.IsNaN(hi);
    }

    private static bool Near(float a, float b) => MathF.Abs(a - b) <= 1e-6f;
}
