using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Pruning;

/// <summary>
/// Convs whose channels are tied together by residual sums: y = conv_a(..) + conv_b(..) (+ identity shortcuts
/// that carry an earlier sum on) share one channel space, so they can only lose the same channels. Found by
/// a walk over that space in both directions: backwards through per-channel nodes and Adds to the Convs that
/// produce it, forwards to every node that reads it. Readers that mix channels (group-1 Convs, Flatten →
/// Gemm) lose the matching inputs; per-channel nodes (BatchNormalization, depthwise Conv) lose the channels.
/// Anything else — a Concat, a graph input or output, a broadcast constant — makes the group unprunable.
/// </summary>
internal sealed class ResidualGroup
{
    private readonly Bramble.Graph.Graph _graph;
    private readonly Dictionary<string, List<Node>> _consumers;
    private readonly Dictionary<string, Node> _producers = new();
    private readonly int _channels;
    private readonly HashSet<string> _space = new();
    private readonly Queue<string> _pending = new();
    private readonly HashSet<Node> _edited = new();

    private ResidualGroup(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, int channels)
    {
        _graph = graph;
        _consumers = consumers;
        _channels = channels;
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) _producers[o] = n;
    }

    /// <summary>The group-1 Convs whose filters are the shared channels, in graph order.</summary>
    public List<Node> Producers { get; } = new();
    public List<ChannelEdit> Edits { get; } = new();
    public IEnumerable<string> Values => _space;
    public string? Blocker { get; private set; }

    public static ResidualGroup Find(Bramble.Graph.Graph graph, Dictionary<string, List<Node>> consumers, Node start, int channels)
    {
        var group = new ResidualGroup(graph, consumers, channels);
        group.Enter(start.Outputs[0]);
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        while (group._pending.Count > 0 && group.Blocker == null)
        {
            string v = group._pending.Dequeue();
            if (outputs.Contains(v)) group.Blocker = $"residual group reaches graph output '{v}'";
            else group.Blocker = group.Backward(v) ?? group.Forward(v);
        }
        var order = graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        group.Producers.Sort((a, b) => order[a].CompareTo(order[b]));
        return group;
    }

    private void Enter(string value)
    {
        if (value.Length > 0 && _space.Add(value)) _pending.Enqueue(value);
    }

    private Tensor? Constant(string name) => GraphQueries.Constant(_graph, name) is { Type: DataType.Float32 } t ? t : null;

    /// <summary>Where value <paramref name="v"/> of the space comes from.</summary>
    private string? Backward(string v)
    {
        if (!_producers.TryGetValue(v, out var p)) return $"residual group reaches '{v}', which no layer computes";
        if (p.Domain.Length != 0) return $"residual group reaches {p.Describe()}";
        switch (p.OpType)
        {
            case "Conv":
            {
                var w = Constant(p.InputOrEmpty(1));
                if (w is not { Rank: > 2 }) return $"residual group reaches {p.Describe()} (weights not constant float32)";
                if (w.Shape[0] != _channels) return $"residual group reaches {p.Describe()} ({w.Shape[0]} filters, not {_channels})";
                if (p.InputOrEmpty(2).Length > 0 && Constant(p.Inputs[2]) == null) return $"residual group reaches {p.Describe()} (bias not constant)";
                long group = p.GetInt("group", 1);
                if (group == 1) { if (!Producers.Contains(p)) Producers.Add(p); return null; }
                if (group == _channels && w.Shape[1] == 1) return Depthwise(p);
                return $"residual group reaches {p.Describe()} (grouped conv other than depthwise)";
            }
            case "Add" or "Sum":
                return Sum(p);
            default:
                return PerChannelNode(p, $"residual group reaches {p.Describe()}");
        }
    }

    /// <summary>Who reads value <paramref name="v"/> of the space.</summary>
    private string? Forward(string v)
    {
        if (!_consumers.TryGetValue(v, out var readers)) return null;
        foreach (var c in readers)
        {
            string blocked = $"residual group reaches {c.Describe()}";
            if (c.Domain.Length != 0) return blocked;
            if (c.OpType is "Add" or "Sum") { if (Sum(c) is string why) return why; continue; }
            if (c.InputOrEmpty(0) != v || c.Inputs.Skip(1).Contains(v)) return blocked;
            string? error = c.OpType switch
            {
                "Conv" => ConvReader(c, blocked),
                "Flatten" => FlattenReader(c, blocked),
                _ => PerChannelNode(c, blocked),
            };
            if (error != null) return error;
        }
        return null;
    }

    private string? ConvReader(Node c, string blocked)
    {
        var w = Constant(c.InputOrEmpty(1));
        if (w is not { Rank: > 2 }) return blocked + " (weights not constant float32)";
        long group = c.GetInt("group", 1);
        if (group == 1 && w.Shape[1] == _channels)
        {
            if (_edited.Add(c)) Edits.Add(new ChannelEdit(c, ChannelEditKind.Conv, 0, _channels));
            return null;
        }
        if (group == _channels && w.Shape[0] == _channels && w.Shape[1] == 1)
        {
            if (c.InputOrEmpty(2).Length > 0 && Constant(c.Inputs[2]) == null) return blocked + " (bias not constant)";
            return Depthwise(c);
        }
        return blocked + " (grouped conv other than depthwise)";
    }

    private string? FlattenReader(Node c, string blocked)
    {
        if (c.GetInt("axis", 1) != 1 || !GraphQueries.HasSingleConsumer(_graph, _consumers, c.Outputs[0])) return blocked;
        var dense = _consumers[c.Outputs[0]][0];
        bool gemm = dense.OpType == "Gemm";
        if ((!gemm && dense.OpType != "MatMul") || dense.InputOrEmpty(0) != c.Outputs[0] || (gemm && dense.GetInt("transA", 0) != 0))
            return $"residual group reaches {dense.Describe()} after Flatten";
        var w = Constant(dense.InputOrEmpty(1));
        if (w is not { Rank: 2 }) return $"residual group reaches {dense.Describe()} (weights not constant float32)";
        int features = gemm && dense.GetInt("transB", 0) != 0 ? w.Shape[1] : w.Shape[0];
        if (features % _channels != 0) return $"residual group reaches {dense.Describe()} ({features} features for {_channels} channels)";
        if (_edited.Add(dense)) Edits.Add(new ChannelEdit(dense, ChannelEditKind.Dense, 0, _channels, features / _channels));
        _space.Add(c.Outputs[0]);
        return null;
    }

    private string? Depthwise(Node c)
    {
        if (_edited.Add(c)) Edits.Add(new ChannelEdit(c, ChannelEditKind.Depthwise, 0, _channels));
        Enter(c.Inputs[0]);
        Enter(c.Outputs[0]);
        return null;
    }

    /// <summary>Every input and the output of a residual sum share the channels (no broadcast constants).</summary>
    private string? Sum(Node add)
    {
        if (add.Outputs.Count != 1) return $"residual group reaches {add.Describe()} (extra outputs)";
        foreach (var i in add.Inputs)
            if (i.Length == 0 || _graph.Initializers.ContainsKey(i)) return $"residual group reaches {add.Describe()} (adds a constant)";
        foreach (var i in add.Inputs) Enter(i);
        Enter(add.Outputs[0]);
        return null;
    }

    private string? PerChannelNode(Node c, string blocked)
    {
        if (c.Outputs.Skip(1).Any(o => o.Length > 0)) return blocked + " (extra outputs used)";
        if (c.OpType == "BatchNormalization")
        {
            for (int i = 1; i <= 4; i++)
                if (Constant(c.InputOrEmpty(i)) is not { } p || p.Length != _channels) return blocked + " (statistics not constant)";
            if (_edited.Add(c)) Edits.Add(new ChannelEdit(c, ChannelEditKind.BatchNorm, 0, _channels));
        }
        else if (ChannelRegion.PassThrough.Contains(c.OpType))
        {
            for (int i = 1; i < c.Inputs.Count; i++)
                if (c.Inputs[i].Length > 0 && GraphQueries.Constant(_graph, c.Inputs[i]) is not { Length: 1 }) return blocked + " (non-scalar parameter)";
        }
        else return blocked;
        Enter(c.Inputs[0]);
        Enter(c.Outputs[0]);
        return null;
    }
}
