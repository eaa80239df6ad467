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

    /// <summary>Achieved GFLOP/s counting one multiply-add as two operations.</summary>
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
}
