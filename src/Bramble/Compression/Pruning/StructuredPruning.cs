using Bramble.Graph;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Compression.Pruning;

/// <summary>How filters are ranked: by the L1 or L2 norm of their weights (Li et al. 2017), or by the
/// |γ| of the BatchNormalization that follows (network slimming, Liu et al. 2017; L1 when there is none).</summary>
public enum FilterCriterion { L1, L2, BnScale }

/// <summary>Options for <see cref="StructuredPruning"/>.</summary>
public sealed record StructuredPruningOptions
{
    /// <summary>Fraction of each prunable Conv's filters to remove, in [0, 1); at least one filter is always kept.</summary>
    public double Fraction { get; init; } = 0.25;
    public FilterCriterion Criterion { get; init; } = FilterCriterion.L1;
}

/// <summary>One Conv's line in a structured pruning report.</summary>
public sealed record StructuredLayerReport(string Node, int FiltersBefore, int FiltersKept, string Note);

/// <summary>
/// Structured (filter) pruning: whole output filters of a Conv are removed, with their bias, the
/// matching BatchNormalization parameters and the matching input channels of the Convs that read them.
/// The network stays dense and simply becomes smaller, so every kernel gets faster.
/// </summary>
/// <remarks>
/// A group-1 Conv is pruned when its channels flow through per-channel nodes (BatchNormalization,
/// activations, pooling, depthwise Convs, whose filters go with them) and channel Concats into group-1
/// Convs or a Flatten → Gemm/MatMul. Convs whose outputs meet in residual Adds form a
/// <see cref="ResidualGroup"/> and lose the same channels, ranked by their summed scores. A layer whose
/// channels reach a graph output, a graph input (through a sum) or an op that is none of these is left
/// as it is, and the report says which node blocked it.
/// </remarks>
public static class StructuredPruning
{
    public static List<StructuredLayerReport> Apply(Model model, StructuredPruningOptions options)
    {
        if (!(options.Fraction >= 0 && options.Fraction < 1))
            throw new BrambleException($"structured pruning: fraction must be in [0, 1), got {options.Fraction}");
        var graph = model.Graph;
        // Exporters route shared weights and biases through Identity nodes; seen through, they are constants.
        new Passes.RemoveIdentities().Run(model);
        GraphValidator.ValidateAndSort(graph);
        var report = new List<StructuredLayerReport>();
        var seen = new HashSet<Node>();
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv" && n.Domain.Length == 0).ToList())
        {
            // Members of a residual group are pruned, and reported, with the group's first layer.
            if (!seen.Add(conv)) continue;
            var w = GraphQueries.Constant(graph, conv.InputOrEmpty(1));
            if (w == null || w.Type != DataType.Float32 || w.Rank < 2) { report.Add(new(conv.DisplayName, 0, 0, "weights not constant float32")); continue; }
            int m = w.Shape[0];
            string biasName = conv.InputOrEmpty(2);
            var bias = GraphQueries.Constant(graph, biasName);
            if (conv.GetInt("group", 1) != 1) { report.Add(new(conv.DisplayName, m, m, "grouped/depthwise producer (pruned with the layer that feeds it)")); continue; }
            if (biasName.Length > 0 && bias == null) { report.Add(new(conv.DisplayName, m, m, "bias not constant")); continue; }

            int remove = Math.Min(m - 1, (int)Math.Floor(options.Fraction * m));
            var consumers = graph.ConsumerMap();
            var region = ChannelRegion.Walk(graph, consumers, conv, m);
            if (region.Blocker == null)
            {
                var scores = Scores(graph, w, region, options.Criterion, out string criterion);
                int[] keep = Keep(scores, m - remove);
                if (keep.Length < m) Rewrite(graph, [conv], keep, region.Edits, region.Values);
                report.Add(new(conv.DisplayName, m, keep.Length, $"by {criterion}"));
                continue;
            }
            if (!region.ReachesResidualSum) { report.Add(new(conv.DisplayName, m, m, "kept: " + region.Blocker)); continue; }
            var group = ResidualGroup.Find(graph, consumers, conv, m);
            if (group.Blocker != null || group.Producers.Any(p => p != conv && seen.Contains(p)))
            {
                report.Add(new(conv.DisplayName, m, m, "kept: " + (group.Blocker ?? "residual group overlaps layers already pruned")));
                continue;
            }
            seen.UnionWith(group.Producers);
            var groupScores = GroupScores(graph, group, m, options.Criterion, out string used);
            int[] kept = Keep(groupScores, m - remove);
            if (kept.Length < m) Rewrite(graph, group.Producers, kept, group.Edits, group.Values);
            foreach (var p in group.Producers)
                report.Add(new(p.DisplayName, m, kept.Length, $"by {used} summed over a residual group of {group.Producers.Count}"));
        }
        GraphQueries.DropUnusedInitializers(graph);
        return report;
    }

    /// <summary>
    /// Prunes the same fraction of every prunable layer's filters, choosing the smallest fraction (by
    /// bisection) whose whole-model MACs, as counted by <paramref name="countMacs"/>, are at most the
    /// original MACs / <paramref name="speedup"/>. Layers that cannot be pruned make high speedups
    /// unreachable: then the largest allowed fraction (0.9) is used. Returns the report and the fraction.
    /// </summary>
    public static (List<StructuredLayerReport> Layers, double Fraction) ApplyForSpeedup(Model model, double speedup,
        FilterCriterion criterion, Func<Model, long> countMacs)
    {
        if (!(speedup >= 1)) throw new BrambleException($"structured pruning: speedup must be at least 1, got {speedup}");
        long target = (long)(countMacs(model) / speedup);
        double lo = 0, hi = 0.9;
        for (int i = 0; i < 10; i++)
        {
            double mid = (lo + hi) / 2;
            using var trial = model.CloneStructure();
            Apply(trial, new StructuredPruningOptions { Fraction = mid, Criterion = criterion });
            if (countMacs(trial) <= target) hi = mid; else lo = mid;
        }
        var report = Apply(model, new StructuredPruningOptions { Fraction = hi, Criterion = criterion });
        return (report, hi);
    }

    private static double[] Scores(Bramble.Graph.Graph graph, Tensor w, ChannelRegion region, FilterCriterion criterion, out string used)
    {
        int m = w.Shape[0];
        var scores = new double[m];
        if (criterion == FilterCriterion.BnScale && region.BatchNorms.FirstOrDefault() is { Node: not null } bn)
        {
            var gamma = graph.Initializers[bn.Node.Inputs[1]].AsReadOnlySpan<float>();
            for (int f = 0; f < m; f++) scores[f] = Math.Abs(gamma[bn.Offset + f]);
            used = "BN |gamma|";
            return scores;
        }
        used = criterion == FilterCriterion.L2 ? "L2" : "L1";
        return FilterNorms(w, criterion == FilterCriterion.L2 ? FilterCriterion.L2 : FilterCriterion.L1);
    }

    private static double[] FilterNorms(Tensor w, FilterCriterion criterion)
    {
        int m = w.Shape[0];
        var scores = new double[m];
        var s = w.AsReadOnlySpan<float>();
        int per = s.Length / m;
        for (int f = 0; f < m; f++)
        {
            double acc = 0;
            for (int k = 0; k < per; k++)
            {
                double v = s[f * per + k];
                acc += criterion == FilterCriterion.L2 ? v * v : Math.Abs(v);
            }
            scores[f] = criterion == FilterCriterion.L2 ? Math.Sqrt(acc) : acc;
        }
        return scores;
    }

    /// <summary>
    /// Channel scores of a residual group: the producers' filter norms summed (a channel matters if it matters
    /// to any layer writing it), or with BnScale the summed |γ| of the group's BatchNormalizations.
    /// </summary>
    private static double[] GroupScores(Bramble.Graph.Graph graph, ResidualGroup group, int m, FilterCriterion criterion, out string used)
    {
        var scores = new double[m];
        var bns = group.Edits.Where(e => e.Kind == ChannelEditKind.BatchNorm).ToList();
        if (criterion == FilterCriterion.BnScale && bns.Count > 0)
        {
            foreach (var bn in bns)
            {
                var gamma = graph.Initializers[bn.Node.Inputs[1]].AsReadOnlySpan<float>();
                for (int f = 0; f < m; f++) scores[f] += Math.Abs(gamma[f]);
            }
            used = "BN |gamma|";
            return scores;
        }
        var norm = criterion == FilterCriterion.BnScale ? FilterCriterion.L1 : criterion;
        used = norm == FilterCriterion.L2 ? "L2" : "L1";
        foreach (var p in group.Producers)
        {
            var s = FilterNorms(graph.Initializers[p.Inputs[1]], norm);
            for (int f = 0; f < m; f++) scores[f] += s[f];
        }
        return scores;
    }

    /// <summary>Indices of the <paramref name="count"/> highest scores, ascending (ties keep the earlier filter).</summary>
    internal static int[] Keep(double[] scores, int count)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(count).ToArray();
        Array.Sort(order);
        return order;
    }

    private static void Rewrite(Bramble.Graph.Graph graph, IReadOnlyList<Node> producers, int[] keep, IEnumerable<ChannelEdit> edits, IEnumerable<string> values)
    {
        int produced = graph.Initializers[producers[0].Inputs[1]].Shape[0];
        foreach (var conv in producers)
        {
            Replace(graph, conv, 1, SliceAxis(graph.Initializers[conv.Inputs[1]], 0, keep));
            if (conv.InputOrEmpty(2).Length > 0) Replace(graph, conv, 2, SliceAxis(graph.Initializers[conv.Inputs[2]], 0, keep));
        }
        foreach (var edit in edits)
        {
            int[] kept = edit.Map(keep, produced);
            var node = edit.Node;
            switch (edit.Kind)
            {
                case ChannelEditKind.BatchNorm:
                    for (int i = 1; i <= 4; i++) Replace(graph, node, i, SliceAxis(graph.Initializers[node.Inputs[i]], 0, kept));
                    break;
                case ChannelEditKind.Depthwise:
                    Replace(graph, node, 1, SliceAxis(graph.Initializers[node.Inputs[1]], 0, kept));
                    if (node.InputOrEmpty(2).Length > 0) Replace(graph, node, 2, SliceAxis(graph.Initializers[node.Inputs[2]], 0, kept));
                    node.With(Bramble.Graph.Attribute.Of("group", (long)kept.Length));
                    break;
                case ChannelEditKind.Conv:
                    Replace(graph, node, 1, SliceAxis(graph.Initializers[node.Inputs[1]], 1, kept));
                    break;
                case ChannelEditKind.Dense:
                    // Gemm with transB holds [out, features]; otherwise the weight is [features, out].
                    int axis = node.OpType == "Gemm" && node.GetInt("transB", 0) != 0 ? 1 : 0;
                    Replace(graph, node, 1, SliceAxis(graph.Initializers[node.Inputs[1]], axis, kept));
                    break;
            }
        }
        // Recorded shapes of the thinned values are stale; shape inference recomputes them.
        foreach (var v in values) graph.ValueInfos.Remove(v);
    }

    private static void Replace(Bramble.Graph.Graph graph, Node node, int input, Tensor value)
    {
        string name = graph.UniqueName(node.Inputs[input] + "_pruned");
        graph.Initializers[name] = value;
        node.Inputs[input] = name;
    }

    /// <summary>Copy of <paramref name="t"/> keeping only the listed indices along axis 0 or 1.</summary>
    internal static Tensor SliceAxis(Tensor t, int axis, int[] keep)
    {
        var shape = (int[])t.Shape.Clone();
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        int n = shape[axis];
        shape[axis] = keep.Length;
        var result = Tensor.Allocate(t.Type, shape);
        var src = t.AsReadOnlySpan<float>();
        var dst = result.AsSpan<float>();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < keep.Length; j++)
                src.Slice((o * n + keep[j]) * inner, inner).CopyTo(dst.Slice((o * keep.Length + j) * inner, inner));
        return result;
    }
}
