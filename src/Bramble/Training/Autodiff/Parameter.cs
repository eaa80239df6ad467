using Bramble.Training.Hooks;

namespace Bramble.Training.Autodiff;

/// <summary>
/// A trainable initializer. The optimiser updates <see cref="Latent"/> with <see cref="Gradient"/>.
/// Ops read <see cref="Value"/>, which is the latent array itself unless a <see cref="Transform"/>
/// (fake quantisation, binarisation) derives an effective weight from it each step; then the
/// transform's straight-through estimator maps the effective weight's gradient back to the latent one.
/// A <see cref="Mask"/> (pruning) zeroes weights and their gradients and keeps them zero.
/// </summary>
public sealed class Parameter
{
    private float[] _latentGrad = [];

    internal Parameter(TValue value, float[] latent, int[] shape)
    {
        Value = value;
        Latent = latent;
        Shape = shape;
    }

    public string Name => Value.Name;
    public TValue Value { get; }
    public float[] Latent { get; }
    public int[] Shape { get; }

    /// <summary>False freezes the parameter: no gradient is computed for it and the optimiser skips it.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>1 keeps a weight, 0 prunes it; null = dense. Same length as the weights.</summary>
    public float[]? Mask { get; private set; }

    public IWeightTransform? Transform { get; private set; }

    /// <summary>True for weights of rank ≥ 2 (conv and dense kernels): the ones weight decay applies to by default.</summary>
    public bool IsKernel => Shape.Length >= 2;

    /// <summary>d(loss)/d(latent) after <see cref="TrainingGraph.Backward"/>.</summary>
    public float[] Gradient => Transform == null ? Value.Grad : _latentGrad;

    public void SetMask(float[]? mask)
    {
        if (mask != null && mask.Length != Latent.Length)
            throw new ShapeException($"parameter '{Name}': mask has {mask.Length} values for {Latent.Length} weights");
        Mask = mask;
        ApplyMask();
    }

    public void SetTransform(IWeightTransform? transform)
    {
        Transform = transform;
        if (transform == null) Value.Bind(Latent, Shape);
        else Value.Bind(new float[Latent.Length], Shape);
        _latentGrad = transform == null ? [] : new float[Latent.Length];
        PrepareForward();
    }

    /// <summary>Zeroes pruned weights (after every optimiser step).</summary>
    public void ApplyMask()
    {
        if (Mask == null) return;
        for (int i = 0; i < Latent.Length; i++) Latent[i] *= Mask[i];
    }

    /// <summary>Recomputes the effective weight from the latent one (before a forward pass).</summary>
    internal void PrepareForward() => Transform?.Apply(Latent, Value.Data, Shape);

    /// <summary>Turns the effective weight's gradient into the latent gradient and masks it (after backward).</summary>
    internal void FinishBackward()
    {
        if (!Trainable) return;
        if (Transform != null) Transform.Backward(Latent, Value.Grad, _latentGrad, Shape);
        if (Mask != null)
        {
            float[] g = Gradient;
            for (int i = 0; i < g.Length; i++) g[i] *= Mask[i];
        }
    }
}
