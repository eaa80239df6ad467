namespace Bramble.Runtime.Profiling;

/// <summary>Memory picture of a profiled session (bytes).</summary>
public sealed record MemorySummary(
    long WeightBytes,
    long ArenaBytes,
    long TheoreticalMinimumActivationBytes,
    long PeakResidentBytes,
    long ManagedHeapBytes)
{
    /// <summary>Weights plus the largest set of activations alive at once: no plan of this graph can hold less.</summary>
    public long TheoreticalMinimumBytes => WeightBytes + TheoreticalMinimumActivationBytes;
}

/// <summary>Time spent per operator category (like perf's report grouped by symbol).</summary>
public sealed record CategoryProfile(string Category, int Nodes, double MedianMs, double Share, long Macs);

/// <summary>One trace event: a node (or a worker's part of it) on one thread.</summary>
public readonly record struct TraceSpan(string Name, string Category, int Thread, long StartTicks, long EndTicks, int Run);

/// <summary>The result of <see cref="InferenceSession.Profile"/>: per-node costs, totals, memory, raw spans.</summary>
public sealed class ProfileReport
{
    public required IReadOnlyList<NodeProfile> Nodes { get; init; }
    /// <summary>End-to-end time of each profiled run.</summary>
    public required double[] RunMilliseconds { get; init; }

    /// <summary>End-to-end time of the unprofiled runs interleaved with the profiled ones (empty if none were made).</summary>
    public double[] UnprofiledRunMilliseconds { get; init; } = [];
    public required MemorySummary Memory { get; init; }
    public required IReadOnlyList<TraceSpan> Spans { get; init; }
    public required int Threads { get; init; }
    public required string Isa { get; init; }

    /// <summary>Parallel parts not traced because a thread's buffer was full (the trace is then incomplete).</summary>
    public long DroppedParts { get; init; }

    /// <summary>Median end-to-end time of the profiled runs.</summary>
    public double MedianRunMs => Statistics.Median(RunMilliseconds);

    /// <summary>Median end-to-end time without profiling (0 if not measured).</summary>
    public double MedianUnprofiledMs => Statistics.Median(UnprofiledRunMilliseconds);

    /// <summary>Sum of the nodes' median times.</summary>
    public double NodeTotalMs => Nodes.Sum(n => n.MedianMs);

    public long TotalMacs => Nodes.Sum(n => n.Macs);

    public double ShareOf(NodeProfile node) => NodeTotalMs > 0 ? node.MedianMs / NodeTotalMs : 0;

    /// <summary>Time grouped by operator category, largest first.</summary>
    public IReadOnlyList<CategoryProfile> ByCategory() =>
        Nodes.GroupBy(n => n.Category)
            .Select(g => new CategoryProfile(g.Key, g.Count(), g.Sum(n => n.MedianMs),
                NodeTotalMs > 0 ? g.Sum(n => n.MedianMs) / NodeTotalMs : 0, g.Sum(n => n.Macs)))
            .OrderByDescending(c => c.MedianMs)
            .ToList();
}
