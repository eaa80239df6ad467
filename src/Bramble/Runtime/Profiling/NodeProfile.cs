namespace Bramble.Runtime.Profiling;

/// <summary>What one executed node cost, over all profiled runs.</summary>
public sealed record NodeProfile(
    int Index,
    string Name,
    string OpType,
    string Kernel,
    string Category,
    int[][] InputShapes,
    int[] OutputShape,
    long Macs,
    long WeightBytes,
    long OutputBytes,
    double[] Milliseconds)
{
    public double MedianMs => Statistics.Median(Milliseconds);

    /// <summary>
    /// Mean time over the report's typical runs (<see cref="ProfileReport.TypicalRuns"/>). Unlike medians, these
    /// add up: the nodes' typical times plus the runtime's own time between nodes make the typical run.
    /// </summary>
    public double TypicalMs { get; init; }

    /// <summary>The node's input value names ("" for an omitted optional input), as in the session's graph.</summary>
    public IReadOnlyList<string> InputNames { get; init; } = [];

    /// <summary>The node's output value names, as in the session's graph.</summary>
    public IReadOnlyList<string> OutputNames { get; init; } = [];

    /// <summary>Achieved GFLOP/s (one multiply-add = two operations) in the median run of this node.</summary>
    public double GFlops => MedianMs > 0 ? 2.0 * Macs / (MedianMs * 1e6) : 0;
}

/// <summary>Small statistics helpers shared by bench and profile.</summary>
public static class Statistics
{
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>Linear-interpolated percentile (0..100) of unsorted values; 0 for none.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) return 0;
        var sorted = values.OrderBy(v => v).ToArray();
        double rank = percent / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /// <summary>
    /// Indices of the middle half of <paramref name="values"/> by rank (at least one): the runs a machine's
    /// ordinary noise leaves alone, without the ones a preemption or a cold cache made slow or the rare fast one.
    /// </summary>
    public static int[] MiddleHalf(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return [];
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        int drop = n / 4;
        return order[drop..(n - drop)].Order().ToArray();
    }

    /// <summary>Mean of <paramref name="values"/> at <paramref name="indices"/>; 0 for none.</summary>
    public static double MeanAt(IReadOnlyList<double> values, int[] indices)
    {
        if (indices.Length == 0) return 0;
        double sum = 0;
        foreach (int i in indices) sum += values[i];
        return sum / indices.Length;
    }
}
