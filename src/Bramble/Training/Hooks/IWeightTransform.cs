namespace Bramble.Training.Hooks;

/// <summary>
/// Derives the weight a layer computes with from the latent weight the optimiser updates
/// (quantisation-aware training, binary networks). The gradient uses a straight-through estimator.
/// </summary>
public interface IWeightTransform
{
    /// <summary>Writes the effective weights for <paramref name="latent"/> (shape [out, ...]) into <paramref name="effective"/>.</summary>
    void Apply(ReadOnlySpan<float> latent, Span<float> effective, int[] shape);

    /// <summary>Writes d(loss)/d(latent) from d(loss)/d(effective).</summary>
    void Backward(ReadOnlySpan<float> latent, ReadOnlySpan<float> effectiveGrad, Span<float> latentGrad, int[] shape);
}
