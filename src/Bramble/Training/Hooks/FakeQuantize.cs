namespace Bramble.Training.Hooks;

/// <summary>
/// Symmetric per-output-channel fake quantisation to <see cref="Bits"/> bits (2–8): scale =
/// max|w|/qmax with qmax = 2^(bits−1)−1, effective w = clamp(round(w/scale), −qmax, qmax)·scale.
/// The straight-through estimator passes gradients unchanged (the range covers every latent weight,
/// so there is nothing clipped to mask).
/// </summary>
public sealed class FakeQuantize : IWeightTransform
{
    public FakeQuantize(int bits)
    {
        if (bits < 2 || bits > 8) throw new BrambleException($"fake quantisation: {bits} bits is outside 2..8");
        Bits = bits;
    }

    public int Bits { get; }

    public void Apply(ReadOnlySpan<float> latent, Span<float> effective, int[] shape)
    {
        int qmax = (1 << (Bits - 1)) - 1;
        int rows = shape.Length > 0 ? shape[0] : 1;
        int per = latent.Length / Math.Max(1, rows);
        for (int r = 0; r < rows; r++)
        {
            var w = latent.Slice(r * per, per);
            var e = effective.Slice(r * per, per);
            float max = 0;
            foreach (float v in w) max = MathF.Max(max, MathF.Abs(v));
            if (max == 0) { e.Clear(); continue; }
            float scale = max / qmax;
            for (int i = 0; i < per; i++)
                e[i] = Math.Clamp(MathF.Round(w[i] / scale, MidpointRounding.ToEven), -qmax, qmax) * scale;
        }
    }

    public void Backward(ReadOnlySpan<float> latent, ReadOnlySpan<float> effectiveGrad, Span<float> latentGrad, int[] shape)
        => effectiveGrad.CopyTo(latentGrad);
}
