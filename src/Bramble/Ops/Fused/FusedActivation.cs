using Bramble.Graph;
using Bramble.Kernels.Gemm;
using Bramble.Tensors;

namespace Bramble.Ops.Fused;

/// <summary>
/// The activation of a fused node, read from its attributes activation (an <see cref="Activation"/>
/// name), activation_alpha and activation_beta. The reference applies it element by element in double.
/// </summary>
public sealed class FusedActivation
{
    private FusedActivation(Activation kind, float alpha, float beta)
    {
        Kind = kind;
        Alpha = alpha;
        Beta = beta;
    }

    public Activation Kind { get; }
    public float Alpha { get; }
    public float Beta { get; }

    /// <summary>False where the kernel epilogue cannot express it (HardSigmoid with alpha = beta = 0 reads as its defaults there).</summary>
    public bool EpilogueCanRun => !(Kind == Activation.HardSigmoid && Alpha == 0 && Beta == 0);

    public static FusedActivation FromNode(Node node)
    {
        string name = node.GetString("activation", "None");
        if (!Enum.TryParse<Activation>(name, ignoreCase: false, out var kind) || !Enum.IsDefined(kind) || int.TryParse(name, out _))
            throw new GraphValidationException($"{node.Describe()}: unknown activation '{name}'");
        return new FusedActivation(kind, node.GetFloat("activation_alpha", 0), node.GetFloat("activation_beta", 0));
    }

    /// <summary>Applies the activation to every element of a float32 tensor in place (reference path).</summary>
    public void ApplyInPlace(Tensor t)
    {
        if (Kind == Activation.None) return;
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = (float)Apply(span[i]);
    }

    /// <summary>The definition, in double precision.</summary>
    public double Apply(double x) => Kind switch
    {
        Activation.Relu => x > 0 ? x : 0,
        Activation.LeakyRelu => x >= 0 ? x : Alpha * x,
        Activation.Clip => Math.Min(Math.Max(x, Alpha), Beta),
        Activation.Sigmoid => Sigmoid(x),
        Activation.HardSigmoid => Math.Max(0, Math.Min(1, Alpha * x + Beta)),
        Activation.HardSwish => x * Math.Max(0, Math.Min(1, x / 6 + 0.5)),
        Activation.SiLU => x * Sigmoid(x),
        Activation.Mish => x * Math.Tanh(Math.Log(1 + Math.Exp(x))),
        _ => x,
    };

    private static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    /// <summary>"+relu", "+clip(0,6)": appended to kernel names in profiles.</summary>
    public string Suffix => Kind switch
    {
        Activation.None => "",
        Activation.LeakyRelu => $"+leakyrelu({Alpha:g3})",
        Activation.Clip => $"+clip({Alpha:g3},{Beta:g3})",
        Activation.HardSigmoid => $"+hardsigmoid({Alpha:g3},{Beta:g3})",
        _ => "+" + Kind.ToString().ToLowerInvariant(),
    };
}
