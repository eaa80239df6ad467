namespace Bramble.Training.Hooks;

/// <summary>
/// XNOR-Net weight binarisation: effective w = α·sign(w) with one α = mean|w| per output filter.
/// Backward: the straight-through estimator of sign with hard-tanh clipping, dL/dw = dL/dŵ·α·1{|w| ≤ 1}
/// plus the scale's own contribution dL/dα·sign(w)/n, so large latent weights stop drifting.
/// </summary>
public sealed class XnorBinarize : IWeightTransform
{
    /// <summary>Without per-filter scales (α = 1): plain sign binarisation (BinaryConnect).</summary>
    public bool UseScales { get; init; } = true;

    public void Apply(ReadOnlySpan<float> latent, Span<float> effective, int[] shape)
    {
        int rows = shape.Length > 0 ? shape[0] : 1;
        int per = latent.Length / Math.Max(1, rows);
        for (int r = 0; r < rows; r++)
        {
            var w = latent.Slice(r * per, per);
            float alpha = UseScales ? MeanAbs(w) : 1f;
            for (int i = 0; i < per; i++) effective[r * per + i] = w[i] >= 0 ? alpha : -alpha;
        }
    }

    public void Backward(ReadOnlySpan<float> latent, ReadOnlySpan<float> effectiveGrad, Span<float> latentGrad, int[] shape)
    {
        int rows = shape.Length > 0 ? shape[0] : 1;
        int per = latent.Length / Math.Max(1, rows);
        for (int r = 0; r < rows; r++)
        {
            var w = latent.Slice(r * per, per);
            var g = effectiveGrad.Slice(r * per, per);
            float alpha = UseScales ? MeanAbs(w) : 1f;
            double dAlpha = 0;
            if (UseScales) for (int i = 0; i < per; i++) dAlpha += g[i] * (w[i] >= 0 ? 1 : -1);
            for (int i = 0; i < per; i++)
            {
                float sign = w[i] >= 0 ? 1f : -1f;
                float ste = MathF.Abs(w[i]) <= 1f ? alpha * g[i] : 0f;
                latentGrad[r * per + i] = ste + (UseScales ? (float)(dAlpha * sign / per) : 0f);
            }
        }
    }

    private static float MeanAbs(ReadOnlySpan<float> w)
    {
        double s = 0;
        foreach (float v in w) s += MathF.Abs(v);
        return w.Length == 0 ? 0f : (float)(s / w.Length);
    }
}
