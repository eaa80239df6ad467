namespace Bramble.Ops.Nn;

/// <summary>Tensor-product resampling through the tap tables of <see cref="ResizeParameters"/>: the oracle for fast Resize kernels.</summary>
public static class ResizeReference
{
    public const int MaxRank = 8;

    public static void Run(ResizeParameters p, ReadOnlySpan<float> x, Span<float> y)
    {
        int rank = p.InputShape.Length;
        if (rank > MaxRank) throw new UnsupportedOperatorException($"Resize of rank {rank} is not supported (at most {MaxRank})");
        Span<long> xStride = stackalloc long[rank];
        long s = 1;
        for (int d = rank - 1; d >= 0; d--) { xStride[d] = s; s *= p.InputShape[d]; }
        Span<int> o = stackalloc int[rank];
        Span<int> t = stackalloc int[rank];
        o.Clear();
        for (int flat = 0; flat < y.Length; flat++)
        {
            bool outside = false;
            bool noTaps = false;
            for (int d = 0; d < rank; d++)
            {
                outside |= p.Outside[d][o[d]];
                noTaps |= p.TapStart[d][o[d] + 1] == p.TapStart[d][o[d]];
            }
            if (outside) y[flat] = p.ExtrapolationValue;
            else if (noTaps) y[flat] = 0f; // every weight was zero (cubic exclude_outside with no input in reach)
            else y[flat] = (float)Sample(p, x, xStride, o, t);
            // Advance the output coordinate odometer.
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++o[d] < p.OutputShape[d]) break;
                o[d] = 0;
            }
        }
    }

    /// <summary>Σ over all tap combinations of Π weights · x[taps].</summary>
    private static double Sample(ResizeParameters p, ReadOnlySpan<float> x, ReadOnlySpan<long> xStride, ReadOnlySpan<int> o, Span<int> t)
    {
        int rank = o.Length;
        t.Clear();
        double sum = 0;
        while (true)
        {
            long xi = 0;
            double w = 1;
            for (int d = 0; d < rank; d++)
            {
                int tap = p.TapStart[d][o[d]] + t[d];
                xi += p.TapIndex[d][tap] * xStride[d];
                w *= p.TapWeight[d][tap];
            }
            sum += w * x[(int)xi];
            int k = rank - 1;
            for (; k >= 0; k--)
            {
                if (++t[k] < p.TapStart[k][o[k] + 1] - p.TapStart[k][o[k]]) break;
                t[k] = 0;
            }
            if (k < 0) return sum;
        }
    }
}
