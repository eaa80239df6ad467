using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Pruning;

/// <summary>
/// What removing output channels of one Conv touches: the per-channel nodes its output flows through
/// (BatchNormalization, activations, pooling) and the group-1 Convs that finally read those channels.
/// Found by walking forward; any other reader (Add, Concat, Flatten, depthwise Conv, a graph output)
/// makes the layer unprunable for now, and <see cref="Blocker"/> says why.
/// </summary>
internal sealed class ChannelRegion
{
    // Ops that act on each channel separately with no per-channel parameters: channels can vanish under them.
    private static readonly HashSet<string> PassThrough = new()
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus",
        "Softsign", "Mish", "Gelu", "Abs", "Neg", "Clip", "MaxPool", "AveragePool", "LpPool", "Identity", "Dropout",
    };

    public List<Node> BatchNorms { get; } = new();
    public List<Node> Consumers { get; } = new();
    /// <summary>Values whose channel count changes (their recorded shapes must be forgotten).</summary>
    public List<string> Values { get; } = new();
    public string? Blocker { get; private set; }

    public static ChannelRegion Walk(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, Node producer, int channels)
    {
        var region = new ChannelRegion();
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        var frontier = new Stack<string>();
        frontier.Push(producer.Outputs[0]);
        var seen = new HashSet<Node>();
        while (frontier.Count > 0 && region.Blocker == null)
        {
            string v = frontier.Pop();
            region.Values.Add(v);
            if (outputs.Contains(v)) { region.Blocker = "output is a graph output"; break; }
            if (!consumers.TryGetValue(v, out var readers)) continue;
            foreach (var c in readers)
            {
                if (!seen.Add(c)) { region.Blocker = $"output reaches {c.Describe()} twice"; break; }
                string? why = Classify(graph, c, v, channels, out bool isConsumer, out bool isBn);
                if (why != null) { region.Blocker = why; break; }
                if (isConsumer) region.Consumers.Add(c);
                else
                {
                    if (isBn) region.BatchNorms.Add(c);
                    frontier.Push(c.Outputs[0]);
                }
            }
        }
        if (region.Blocker == null && region.Consumers.Count == 0) region.Blocker = "no Conv reads its channels";
        return region;
    }

    private static string? Classify(Bramble.Graph.Graph graph, Node c, string v, int channels, out bool isConsumer, out bool isBn)
    {
        isConsumer = false; isBn = false;
        string blocked = $"output reaches {c.Describe()}";
        if (c.Domain.Length != 0 || c.Inputs.Count == 0 || c.Inputs[0] != v || c.Inputs.Skip(1).Contains(v)) return blocked;
        if (c.Outputs.Skip(1).Any(o => o.Length > 0)) return blocked + " (extra outputs used)";
        if (c.OpType == "Conv")
        {
            var w = GraphQueries.Constant(graph, c.InputOrEmpty(1));
            if (c.GetInt("group", 1) != 1) return blocked + " (grouped/depthwise; follow-up work)";
            if (w == null || w.Type != DataType.Float32 || w.Rank < 2 || w.Shape[1] != channels) return blocked + " (weights not constant float32)";
            isConsumer = true;
            return null;
        }
        if (c.OpType == "BatchNormalization")
        {
            for (int i = 1; i <= 4; i++)
            {
                var p = GraphQueries.Constant(graph, c.InputOrEmpty(i));
                if (p == null || p.Type != DataType.Float32 || p.Length != channels) return blocked + " (statistics not constant)";
            }
            isBn = true;
            return null;
        }
        if (!PassThrough.Contains(c.OpType)) return blocked;
        // Clip's bounds must be scalars; anything else could be per-channel.
        for (int i = 1; i < c.Inputs.Count; i++)
            if (c.Inputs[i].Length > 0 && GraphQueries.Constant(graph, c.Inputs[i]) is not { Length: 1 }) return blocked + " (non-scalar parameter)";
        return null;
    }
}
