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

/// <summary>
/// Time spent per operator category (like perf's report grouped by symbol): Ms is the category's time in the
/// typical run, the sum of its nodes' typical times; Share its part of the typical run.
/// </summary>
public sealed record CategoryProfile(string Category, int Nodes, double Ms, double Share, long Macs);

/// <summary>One trace event: a node (or a worker's part of it) on one thread.</summary>
public readonly record struct TraceSpan(string Name, string Category, int Thread, long StartTicks, long EndTicks, int Run);

/// <summary>The result of <see cref="InferenceSession.Profile"/>: per-node costs, totals, memory, raw spans.</summary>
/// <remarks>
/// Per-node medians do not add up to a run on a busy machine: a preemption lands in a different node each
/// run, so every node's median leaves it out while every run contains one. The report therefore also gives
/// each node its mean over the typical runs (the middle half by run time), which do add up: the nodes' typical
/// times plus the runtime's own time between nodes equal the typical run exactly.
/// </remarks>
public sealed class ProfileReport
{
    public required IReadOnlyList<NodeProfile> Nodes { get; init; }
    /// <summary>End-to-end time of each profiled run.</summary>
    public required double[] RunMilliseconds { get; init; }

    /// <summary>
    /// Per profiled run: its time outside every node's span (binding inputs, skipping view steps, the dispatch
    /// loop, the timer reads). Worker wake-ups and waits happen inside the node that dispatched them.
    /// </summary>
    public double[] BetweenNodesMilliseconds { get; init; } = [];

    /// <summary>End-to-end time of the unprofiled runs interleaved with the profiled ones (empty if none were made).</summary>
    public double[] UnprofiledRunMilliseconds { get; init; } = [];
    public required MemorySummary Memory { get; init; }
    public required IReadOnlyList<TraceSpan> Spans { get; init; }
    public required int Threads { get; init; }
    public required string Isa { get; init; }

    /// <summary>Parallel parts not traced because a thread's buffer was full (the trace is then incomplete).</summary>
    public long DroppedParts { get; init; }

    /// <summary>Indices of the profiled runs that the typical figures average: the middle half by run time.</summary>
    public int[] TypicalRuns => Statistics.MiddleHalf(RunMilliseconds);

    /// <summary>Median end-to-end time of the profiled runs.</summary>
    public double MedianRunMs => Statistics.Median(RunMilliseconds);

    /// <summary>Mean time of the typical profiled runs: <see cref="NodeTotalMs"/> + <see cref="BetweenNodesMs"/>.</summary>
    public double TypicalRunMs => Statistics.MeanAt(RunMilliseconds, TypicalRuns);

    /// <summary>Runtime time between nodes in the typical runs.</summary>
    public double BetweenNodesMs => Statistics.MeanAt(BetweenNodesMilliseconds, TypicalRuns);

    /// <summary>Median end-to-end time without profiling (0 if not measured).</summary>
    public double MedianUnprofiledMs => Statistics.Median(UnprofiledRunMilliseconds);

    /// <summary>Mean of the middle half of the unprofiled runs: the same statistic as <see cref="TypicalRunMs"/>, for comparing the two.</summary>
    public double TypicalUnprofiledMs => Statistics.MeanAt(UnprofiledRunMilliseconds, Statistics.MiddleHalf(UnprofiledRunMilliseconds));

    /// <summary>
    /// What recording costs: the median over pairs (each profiled run and the unprofiled run just before it) of
    /// profiled / unprofiled − 1. It bounds what profiling costs when off, which does strictly less (one null test per node).
    /// </summary>
    public double ProfilingOverhead
    {
        get
        {
            int n = Math.Min(RunMilliseconds.Length, UnprofiledRunMilliseconds.Length);
            var ratios = new double[n];
            for (int i = 0; i < n; i++)
                ratios[i] = UnprofiledRunMilliseconds[i] > 0 ? RunMilliseconds[i] / UnprofiledRunMilliseconds[i] - 1 : 0;
            return Statistics.Median(ratios);
        }
    }

    /// <summary>Sum of the nodes' typical times (see the remarks).</summary>
    public double NodeTotalMs => Nodes.Sum(n => n.TypicalMs);

    /// <summary>Sum of the nodes' median times: what the nodes cost undisturbed, below a typical run on a busy machine.</summary>
    public double NodeMedianTotalMs => Nodes.Sum(n => n.MedianMs);

    public long TotalMacs => Nodes.Sum(n => n.Macs);

    /// <summary>A node's share of the typical run (the nodes' shares plus the between-nodes share make 1).</summary>
    public double ShareOf(NodeProfile node) => TypicalRunMs > 0 ? node.TypicalMs / TypicalRunMs : 0;

    /// <summary>Time grouped by operator category, largest first (typical times, shares of the typical run).</summary>
    public IReadOnlyList<CategoryProfile> ByCategory() =>
        Nodes.GroupBy(n => n.Category)
            .Select(g => new CategoryProfile(g.Key, g.Count(), g.Sum(n => n.TypicalMs),
                TypicalRunMs > 0 ? g.Sum(n => n.TypicalMs) / TypicalRunMs : 0, g.Sum(n => n.Macs)))
            .OrderByDescending(c => c.Ms)
            .ToList();
}
