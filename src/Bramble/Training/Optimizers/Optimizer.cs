using Bramble.Training.Autodiff;

namespace Bramble.Training.Optimizers;

/// <summary>
/// Updates trainable parameters from their gradients. State (momenta) is kept per parameter in
/// registration order. Weight decay applies to kernels (rank ≥ 2) unless <see cref="DecayAll"/>:
/// decaying biases and BN scales mostly hurts small CNNs.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Parameter, float[][]> _state = new(ReferenceEqualityComparer.Instance);

    public float WeightDecay { get; init; }
    public bool DecayAll { get; init; }

    /// <summary>One update of every trainable parameter with learning rate <paramref name="lr"/>; masks are re-applied.</summary>
    public void Step(IReadOnlyList<Parameter> parameters, float lr)
    {
        Steps++;
        foreach (var p in parameters)
        {
            if (!p.Trainable) continue;
            if (!_state.TryGetValue(p, out var state))
                _state[p] = state = CreateState(p.Latent.Length);
            float decay = DecayAll || p.IsKernel ? WeightDecay : 0f;
            Update(p.Latent, p.Gradient, state, lr, decay);
            p.ApplyMask();
        }
    }

    /// <summary>Updates taken so far (Adam's bias correction uses it).</summary>
    public long Steps { get; private set; }

    protected abstract float[][] CreateState(int length);
    protected abstract void Update(float[] w, float[] g, float[][] state, float lr, float decay);

    /// <summary>Builds an optimiser by name: sgd, nesterov, adam, adamw.</summary>
    public static Optimizer Create(string name, float weightDecay) => name.ToLowerInvariant() switch
    {
        "sgd" => new Sgd { Momentum = 0.9f, WeightDecay = weightDecay },
        "nesterov" => new Sgd { Momentum = 0.9f, Nesterov = true, WeightDecay = weightDecay },
        "adam" => new Adam { WeightDecay = weightDecay },
        "adamw" => new Adam { WeightDecay = weightDecay, Decoupled = true },
        _ => throw new BrambleException($"unknown optimizer '{name}' (use sgd, nesterov, adam or adamw)"),
    };
}

/// <summary>SGD with (optionally Nesterov) momentum, PyTorch's formulation: v = μv + g + λw; w −= lr·(Nesterov ? g + λw + μv : v).</summary>
public sealed class Sgd : Optimizer
{
    public float Momentum { get; init; }
    public bool Nesterov { get; init; }

    protected override float[][] CreateState(int length) => [new float[length]];

    protected override void Update(float[] w, float[] g, float[][] state, float lr, float decay)
    {
        float[] v = state[0];
        float mu = Momentum;
        for (int i = 0; i < w.Length; i++)
        {
            float grad = g[i] + decay * w[i];
            if (mu == 0) { w[i] -= lr * grad; continue; }
            v[i] = mu * v[i] + grad;
            w[i] -= lr * (Nesterov ? grad + mu * v[i] : v[i]);
        }
    }
}

/// <summary>Adam; with <see cref="Decoupled"/> it is AdamW (decay applied to the weights, not the gradient).</summary>
public sealed class Adam : Optimizer
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    public bool Decoupled { get; init; }

    protected override float[][] CreateState(int length) => [new float[length], new float[length]];

    protected override void Update(float[] w, float[] g, float[][] state, float lr, float decay)
    {
        float[] m = state[0], v = state[1];
        float c1 = 1f - MathF.Pow(Beta1, Steps), c2 = 1f - MathF.Pow(Beta2, Steps);
        for (int i = 0; i < w.Length; i++)
        {
            float grad = Decoupled ? g[i] : g[i] + decay * w[i];
            m[i] = Beta1 * m[i] + (1 - Beta1) * grad;
            v[i] = Beta2 * v[i] + (1 - Beta2) * grad * grad;
            float update = m[i] / c1 / (MathF.Sqrt(v[i] / c2) + Epsilon);
            if (Decoupled) w[i] -= lr * decay * w[i];
            w[i] -= lr * update;
        }
    }
}
