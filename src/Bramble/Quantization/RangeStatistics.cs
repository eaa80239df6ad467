namespace Bramble.Quantization;

/// <summary>
/// Running statistics of one activation tensor over the calibration samples: exact min/max plus a bounded,
/// evenly strided sample of values for the percentile and entropy methods (memory stays bounded however
/// many samples run).
/// </summary>
public sealed class RangeStatistics
{
    private const int MaxKept = 1 << 17;

    private readonly List<float> _kept = new();

    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.Length == 0) return;
        int stride = Math.Max(1, values.Length / 8192);
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!float.IsFinite(v)) continue;
            if (v < Min) Min = v;
            if (v > Max) Max = v;
            if (i % stride == 0 && _kept.Count < MaxKept) _kept.Add(v);
        }
        Count += values.Length;
    }

    /// <summary>The range [lo, hi] (always containing 0) the method chooses.</summary>
    public (float Lo, float Hi) Range(CalibrationMethod method, int bits = 8)
    {
        if (Count == 0 || Min > Max) return (0, 0);
        float lo = Min, hi = Max;
        if (method == CalibrationMethod.Percentile && _kept.Count > 100)
        {
            var sorted = _kept.ToArray();
            Array.Sort(sorted);
            lo = sorted[(int)(0.0001 * (sorted.Length - 1))];
            hi = sorted[(int)(0.9999 * (sorted.Length - 1))];
        }
        else if (method == CalibrationMethod.Entropy && _kept.Count > 100)
        {
            float threshold = EntropyCalibration.Threshold(_kept, Math.Max(Math.Abs(Min), Math.Abs(Max)), bits);
            lo = Math.Max(Min, -threshold);
            hi = Math.Min(Max, threshold);
        }
        return (Math.Min(lo, 0), Math.Max(hi, 0));
    }
}

/// <summary>TensorRT's entropy calibration: pick the |x| clipping threshold whose quantized histogram has the least KL divergence from the original.</summary>
internal static class EntropyCalibration
{
    public static float Threshold(List<float> values, float absMax, int bits)
    {
        const int bins = 2048;
        if (absMax <= 0) return 0;
        var hist = new double[bins];
        foreach (float v in values) hist[Math.Min(bins - 1, (int)(Math.Abs(v) / absMax * bins))]++;
        int levels = 1 << (bits - 1);
        double bestKl = double.PositiveInfinity;
        int best = bins;
        for (int t = levels; t <= bins; t += Math.Max(1, bins / 256))
        {
            // Reference P: the first t bins with the clipped tail folded into the last one.
            var p = new double[t];
            Array.Copy(hist, p, t);
            for (int i = t; i < bins; i++) p[t - 1] += hist[i];
            // Candidate Q: P merged into `levels` buckets and spread back over the non-empty bins.
            var q = new double[t];
            for (int j = 0; j < levels; j++)
            {
                int start = j * t / levels, end = (j + 1) * t / levels;
                double sum = 0;
                int nonZero = 0;
                for (int i = start; i < end; i++) { sum += hist[i]; if (hist[i] > 0) nonZero++; }
                for (int i = start; i < end; i++) q[i] = hist[i] > 0 ? sum / nonZero : 0;
            }
            double kl = Divergence(p, q);
            if (kl < bestKl) { bestKl = kl; best = t; }
        }
        return (best + 0.5f) / bins * absMax;
    }

    private static double Divergence(double[] p, double[] q)
    {
        double sp = p.Sum(), sq = q.Sum();
        if (sp == 0 || sq == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] == 0) continue;
            double pi = p[i] / sp, qi = q[i] / sq;
            kl += qi == 0 ? pi * 20 : pi * Math.Log(pi / qi); // a missing bucket costs a large, finite penalty
        }
        return kl;
    }
}
