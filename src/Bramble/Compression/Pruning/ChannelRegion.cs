using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Pruning;

/// <summary>What one edit of a channel region does to its node when filters are removed.</summary>
internal enum ChannelEditKind
{
    /// <summary>BatchNormalization: γ, β, mean and variance lose the removed channels.</summary>
    BatchNorm,
    /// <summary>Depthwise Conv (one filter per channel): loses those filters (and biases) and its group shrinks.</summary>
    Depthwise,
    /// <summary>Group-1 Conv reading the channels: loses the matching input channels of every filter.</summary>
    Conv,
    /// <summary>Gemm/MatMul after Flatten: loses the <c>Spatial</c> consecutive input features of each removed channel.</summary>
    Dense,
}

/// <summary>
/// One node a channel region touches. The pruned layer's channel j appears at channel <see cref="Offset"/> + j
/// of a value with <see cref="Total"/> channels there (a Concat places it after the channels of earlier inputs).
/// </summary>
internal readonly record struct ChannelEdit(Node Node, ChannelEditKind Kind, int Offset, int Total, int Spatial = 1)
{
    /// <summary>Indices (ascending) kept in this node's channel space when the producer keeps <paramref name="keep"/> of its <paramref name="produced"/> filters.</summary>
    public int[] Map(int[] keep, int produced)
    {
        var channels = new List<int>(Total - produced + keep.Length);
        for (int c = 0; c < Offset; c++) channels.Add(c);
        foreach (int k in keep) channels.Add(Offset + k);
        for (int c = Offset + produced; c < Total; c++) channels.Add(c);
        if (Spatial == 1) return channels.ToArray();
        // Flatten lays out channel c as features c·S .. c·S + S − 1.
        var features = new int[channels.Count * Spatial];
        for (int i = 0; i < channels.Count; i++)
            for (int s = 0; s < Spatial; s++) features[i * Spatial + s] = channels[i] * Spatial + s;
        return features;
    }
}

/// <summary>
/// What removing output channels of one Conv touches, found by walking forward from its output: per-channel
/// nodes (activations, pooling, BatchNormalization, depthwise Convs) that the channels flow through, Concats
/// (along channels) that place them among other channels, and the readers that finally mix channels — group-1
/// Convs, or Gemm/MatMul after a Flatten. Any other reader makes the layer unprunable and <see cref="Blocker"/>
/// says why; notably a residual Add, where every layer feeding the sum would need the same channel set.
/// </summary>
internal sealed class ChannelRegion
{
    // Ops that act on each channel separately with no per-channel parameters: channels can vanish under them.
    internal static readonly HashSet<string> PassThrough = new()
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus",
        "Softsign", "Mish", "Gelu", "Abs", "Neg", "Clip", "MaxPool", "AveragePool", "LpPool", "Identity", "Dropout",
        "GlobalAveragePool", "GlobalMaxPool",
    };

    private readonly Bramble.Graph.Graph _graph;
    private readonly Dictionary<string, Node> _producers;

    private ChannelRegion(Bramble.Graph.Graph graph)
    {
        _graph = graph;
        _producers = new Dictionary<string, Node>();
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) _producers[o] = n;
    }

    public List<ChannelEdit> Edits { get; } = new();

    /// <summary>Values whose channel count changes (their recorded shapes must be forgotten).</summary>
    public List<string> Values { get; } = new();
    public string? Blocker { get; private set; }

    /// <summary>The walk stopped at an Add: the layer may still be pruned together with its <see cref="ResidualGroup"/>.</summary>
    public bool ReachesResidualSum { get; private set; }

    public IEnumerable<ChannelEdit> BatchNorms => Edits.Where(e => e.Kind == ChannelEditKind.BatchNorm);

    public static ChannelRegion Walk(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, Node producer, int channels)
    {
        var region = new ChannelRegion(graph);
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        var frontier = new Stack<(string Value, int Offset, int Total)>();
        frontier.Push((producer.Outputs[0], 0, channels));
        var seen = new HashSet<Node>();
        bool mixed = false;
        while (frontier.Count > 0 && region.Blocker == null)
        {
            var (v, offset, total) = frontier.Pop();
            region.Values.Add(v);
            if (outputs.Contains(v)) { region.Blocker = "output is a graph output"; break; }
            if (!consumers.TryGetValue(v, out var readers)) continue;
            foreach (var c in readers)
            {
                if (!seen.Add(c)) { region.Blocker = $"output reaches {c.Describe()} twice"; break; }
                var (next, why) = region.Classify(c, v, offset, total, consumers);
                if (why != null) { region.Blocker = why; break; }
                if (next is { } n) frontier.Push(n);
                else mixed = true;
            }
        }
        if (region.Blocker == null && !mixed) region.Blocker = "no Conv or dense layer reads its channels";
        return region;
    }

    /// <summary>Records the edit for reader <paramref name="c"/>; returns where the channels continue (null when <paramref name="c"/> mixes them) or why it blocks.</summary>
    private ((string, int, int)? Next, string? Blocker) Classify(Node c, string v, int offset, int total, Dictionary<string, List<Node>> consumers)
    {
        string blocked = $"output reaches {c.Describe()}";
        if (c.Domain.Length != 0) return (null, blocked);
        if (c.Outputs.Skip(1).Any(o => o.Length > 0)) return (null, blocked + " (extra outputs used)");
        if (c.OpType == "Concat") return Concat(c, v, offset, total, blocked);
        if (c.OpType is "Add" or "Sum")
        {
            ReachesResidualSum = true;
            return (null, blocked + " (residual sum: every layer feeding it needs the same channel set)");
        }
        if (c.Inputs.Count == 0 || c.Inputs[0] != v || c.Inputs.Skip(1).Contains(v)) return (null, blocked);
        switch (c.OpType)
        {
            case "Conv":
            {
                var w = GraphQueries.Constant(_graph, c.InputOrEmpty(1));
                if (w == null || w.Type != DataType.Float32 || w.Rank < 3) return (null, blocked + " (weights not constant float32)");
                long group = c.GetInt("group", 1);
                if (group == 1 && w.Shape[1] == total)
                {
                    Edits.Add(new ChannelEdit(c, ChannelEditKind.Conv, offset, total));
                    return (null, null);
                }
                if (group == total && w.Shape[0] == total && w.Shape[1] == 1)
                {
                    string bias = c.InputOrEmpty(2);
                    if (bias.Length > 0 && GraphQueries.Constant(_graph, bias) is not { Type: DataType.Float32 }) return (null, blocked + " (bias not constant)");
                    Edits.Add(new ChannelEdit(c, ChannelEditKind.Depthwise, offset, total));
                    return ((c.Outputs[0], offset, total), null);
                }
                return (null, blocked + " (grouped conv other than depthwise)");
            }
            case "BatchNormalization":
                for (int i = 1; i <= 4; i++)
                    if (GraphQueries.Constant(_graph, c.InputOrEmpty(i)) is not { Type: DataType.Float32 } p || p.Length != total)
                        return (null, blocked + " (statistics not constant)");
                Edits.Add(new ChannelEdit(c, ChannelEditKind.BatchNorm, offset, total));
                return ((c.Outputs[0], offset, total), null);
            case "Flatten":
                return Flatten(c, offset, total, consumers, blocked);
        }
        if (!PassThrough.Contains(c.OpType)) return (null, blocked);
        // Clip's bounds must be scalars; anything else could be per-channel.
        for (int i = 1; i < c.Inputs.Count; i++)
            if (c.Inputs[i].Length > 0 && GraphQueries.Constant(_graph, c.Inputs[i]) is not { Length: 1 }) return (null, blocked + " (non-scalar parameter)");
        return ((c.Outputs[0], offset, total), null);
    }

    private ((string, int, int)?, string?) Concat(Node c, string v, int offset, int total, string blocked)
    {
        long axis = c.GetInt("axis", 1);
        // Negative axes count from the end; the channel axis of an NCHW tensor is −3.
        if (axis != 1 && axis != -3) return (null, blocked + " (not along channels)");
        int before = 0, sum = 0, position = -1;
        for (int i = 0; i < c.Inputs.Count; i++)
        {
            if (c.Inputs[i] == v)
            {
                if (position >= 0) return (null, blocked + " (same value concatenated twice)");
                position = i;
                before = sum;
                sum += total;
                continue;
            }
            if (ChannelCount(c.Inputs[i], 0) is not int n) return (null, blocked + $" (channel count of '{c.Inputs[i]}' unknown)");
            sum += n;
        }
        return ((c.Outputs[0], before + offset, sum), null);
    }

    private ((string, int, int)?, string?) Flatten(Node c, int offset, int total, Dictionary<string, List<Node>> consumers, string blocked)
    {
        if (c.GetInt("axis", 1) != 1) return (null, blocked + " (axis is not 1)");
        string flat = c.Outputs[0];
        if (!GraphQueries.HasSingleConsumer(_graph, consumers, flat)) return (null, blocked + " (flattened value has several readers)");
        var dense = consumers[flat][0];
        if (dense.Domain.Length != 0 || dense.InputOrEmpty(0) != flat || dense.Inputs.Skip(1).Contains(flat)) return (null, blocked);
        bool gemm = dense.OpType == "Gemm";
        if (!gemm && dense.OpType != "MatMul") return (null, $"output reaches {dense.Describe()} after Flatten");
        if (gemm && dense.GetInt("transA", 0) != 0) return (null, $"output reaches {dense.Describe()} (transA)");
        var w = GraphQueries.Constant(_graph, dense.InputOrEmpty(1));
        if (w == null || w.Type != DataType.Float32 || w.Rank != 2) return (null, $"output reaches {dense.Describe()} (weights not constant float32)");
        int features = gemm && dense.GetInt("transB", 0) != 0 ? w.Shape[1] : w.Shape[0];
        if (features % total != 0) return (null, $"output reaches {dense.Describe()} ({features} features for {total} channels)");
        Values.Add(flat);
        Edits.Add(new ChannelEdit(dense, ChannelEditKind.Dense, offset, total, features / total));
        return (null, null);
    }

    /// <summary>Channels of <paramref name="value"/> worked out from the layers that produce it (null when unknown).</summary>
    private int? ChannelCount(string value, int depth)
    {
        if (depth > 64) return null;
        if (!_producers.TryGetValue(value, out var p))
        {
            var info = _graph.Inputs.FirstOrDefault(i => i.Name == value);
            return info?.Shape is { Length: > 1 } dims && dims[1].IsFixed ? (int)dims[1].Value : null;
        }
        if (p.OpType == "Conv") return GraphQueries.Constant(_graph, p.InputOrEmpty(1)) is { Rank: > 2 } w ? w.Shape[0] : null;
        if (p.OpType == "Concat" && p.GetInt("axis", 1) is 1 or -3)
        {
            int sum = 0;
            foreach (var i in p.Inputs)
                if (ChannelCount(i, depth + 1) is int n) sum += n;
                else return null;
            return sum;
        }
        if (p.OpType == "BatchNormalization" || PassThrough.Contains(p.OpType)) return ChannelCount(p.InputOrEmpty(0), depth + 1);
        return null;
    }
}
