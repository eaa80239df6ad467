using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Gemm;

/// <summary>Activation applied to a kernel's output while it is still in cache.</summary>
public enum Activation
{
    None,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x ≥ 0 ? x : alpha·x.</summary>
    LeakyRelu,
    /// <summary>min(max(x, min), max) with min = Alpha, max = Beta.</summary>
    Clip,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>max(0, min(1, alpha·x + beta)) (ONNX defaults 0.2, 0.5).</summary>
    HardSigmoid,
    /// <summary>x · max(0, min(1, x/6 + 1/2)).</summary>
    HardSwish,
    /// <summary>x · sigmoid(x) (a.k.a. Swish).</summary>
    SiLU,
    /// <summary>x · tanh(softplus(x)).</summary>
    Mish,
}

/// <summary>Whether a bias vector runs along the output's rows or columns.</summary>
public enum BiasKind
{
    None,
    /// <summary>One value per output row (conv: per output channel when rows are channels).</summary>
    PerRow,
    /// <summary>One value per output column (Gemm/MatMul: per output feature).</summary>
    PerColumn,
}

/// <summary>
/// What a kernel does to each output element after the multiply-accumulate: add a bias, then apply an
/// activation. Fusing it saves a pass over memory. The bias pointer must stay valid during the call.
/// </summary>
public readonly unsafe struct Epilogue
{
    public Epilogue(Activation activation, float alpha = 0, float beta = 0, float* bias = null, BiasKind biasKind = BiasKind.None)
    {
        if (bias == null) biasKind = BiasKind.None;
        else if (biasKind == BiasKind.None) throw new ArgumentException("a bias pointer needs a BiasKind", nameof(biasKind));
        Activation = activation;
        Alpha = activation == Activation.HardSigmoid && alpha == 0 && beta == 0 ? 0.2f : alpha;
        Beta = activation == Activation.HardSigmoid && alpha == 0 && beta == 0 ? 0.5f : beta;
        Bias = bias;
        BiasKind = biasKind;
        ClampLow = activation == Activation.Clip ? alpha : 0;
        ClampHigh = activation == Activation.Clip ? beta : float.PositiveInfinity;
    }

    public Activation Activation { get; }

    /// <summary>LeakyRelu's slope, Clip's minimum, HardSigmoid's alpha.</summary>
    public float Alpha { get; }

    /// <summary>Clip's maximum, HardSigmoid's beta.</summary>
    public float Beta { get; }

    public float* Bias { get; }
    public BiasKind BiasKind { get; }

    /// <summary>
    /// A same-shaped tensor added before the activation (a residual connection, Conv → Add → Relu), element
    /// (row, col) at Residual[row·ResidualStride + col]; null: none. It must stay valid during the call.
    /// </summary>
    public float* Residual { get; init; }

    /// <summary>Elements between rows of <see cref="Residual"/>.</summary>
    public long ResidualStride { get; init; }

    /// <summary>
    /// Relu and Clip as one clamp to [ClampLow, ClampHigh] ([0, +∞) for Relu), so vector paths run them as the
    /// CPU's max then min instruction (SimdMath.MaxNative/MinNative with x first: NaN becomes ClampLow).
    /// </summary>
    internal float ClampLow { get; }

    /// <summary>Upper bound of the Relu/Clip clamp (see <see cref="ClampLow"/>).</summary>
    internal float ClampHigh { get; }

    /// <summary>No bias, no activation.</summary>
    public static Epilogue None => default;

    public static Epilogue Relu(float* bias = null, BiasKind kind = BiasKind.None) => new(Activation.Relu, 0, 0, bias, kind);
    public static Epilogue LeakyRelu(float alpha, float* bias = null, BiasKind kind = BiasKind.None) => new(Activation.LeakyRelu, alpha, 0, bias, kind);
    public static Epilogue Clip(float min, float max, float* bias = null, BiasKind kind = BiasKind.None) => new(Activation.Clip, min, max, bias, kind);
    public static Epilogue HardSigmoid(float alpha = 0.2f, float beta = 0.5f, float* bias = null, BiasKind kind = BiasKind.None) => new(Activation.HardSigmoid, alpha, beta, bias, kind);
    public static Epilogue Of(Activation activation, float* bias = null, BiasKind kind = BiasKind.None) => new(activation, 0, 0, bias, kind);

    /// <summary>True when applying it changes nothing.</summary>
    public bool IsIdentity => Activation == Activation.None && BiasKind == BiasKind.None && Residual == null;

    /// <summary>
    /// True when micro-kernels apply it in registers (<see cref="TileEpilogue"/>): bias, a residual and one-instruction
    /// activations. (The GEMM driver still adds a residual per block where its tile order would scatter the reads.)
    /// </summary>
    internal bool RunsInKernel => Activation is Activation.None or Activation.Relu or Activation.LeakyRelu or Activation.Clip;

    /// <summary>The same epilogue adding <paramref name="residual"/> (row stride <paramref name="stride"/>) before the activation.</summary>
    public Epilogue WithResidual(float* residual, long stride) => this with { Residual = residual, ResidualStride = stride };

    /// <summary>Only the bias: for kernels that cannot add a residual, which then run <see cref="WithoutBias"/> over their output.</summary>
    public Epilogue BiasOnly => new(Activation.None, 0, 0, Bias, BiasKind);

    /// <summary>The residual and the activation without the bias (the second half of <see cref="BiasOnly"/>).</summary>
    public Epilogue WithoutBias => new Epilogue(Activation, Alpha, Beta).WithResidual(Residual, ResidualStride);

    /// <summary>The same epilogue for the rows from <paramref name="offset"/> on: bias and residual moved (per-group slices).</summary>
    public Epilogue WithBiasOffset(int offset) =>
        (Bias == null ? this : new Epilogue(Activation, Alpha, Beta, Bias + offset, BiasKind))
            .WithResidual(Residual == null ? null : Residual + offset * ResidualStride, ResidualStride);

    /// <summary>The scalar definition every vector path must match.</summary>
    [MethodImpl(HotCode.Options)] // per element in row tails: skip tier-0 code
    public float ApplyScalar(float x)
    {
        switch (Activation)
        {
            case Activation.Relu: return x > 0 ? x : 0;
            case Activation.LeakyRelu: return x >= 0 ? x : Alpha * x;
            case Activation.Clip:
            {
                // As the vector paths' max-then-min instructions: a NaN becomes the lower bound.
                float low = x >= Alpha ? x : Alpha;
                return low <= Beta ? low : Beta;
            }
            case Activation.Sigmoid: return 1f / (1f + MathF.Exp(-x));
            case Activation.HardSigmoid: return MathF.Max(0, MathF.Min(1, Alpha * x + Beta));
            case Activation.HardSwish: return x * MathF.Max(0, MathF.Min(1, x * (1f / 6) + 0.5f));
            case Activation.SiLU: return x / (1f + MathF.Exp(-x));
            case Activation.Mish:
            {
                // tanh(log(1+e)) = (e²+2e)/(e²+2e+2); past 20 mish(x) == x in float.
                if (x > 20) return x;
                float e = MathF.Exp(x), n = e * (e + 2);
                return x * n / (n + 2);
            }
            default: return x;
        }
    }

    /// <summary>Applies bias and activation to a rows×cols block at (row0, col0) of the whole output.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public void Apply(float* c, int ldc, int rows, int cols, int row0, int col0, Isa isa)
    {
        if (IsIdentity) return;
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (long)r * ldc;
            float rowBias = BiasKind == BiasKind.PerRow ? Bias[row0 + r] : 0;
            float* colBias = BiasKind == BiasKind.PerColumn ? Bias + col0 : null;
            float* residual = Residual == null ? null : Residual + (row0 + r) * ResidualStride + col0;
            EpilogueVector.ApplyRow(this, row, cols, rowBias, colBias, isa, residual);
        }
    }
}
