using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Elementwise;

/// <summary>A float32 binary function at every vector width (the scalar form is the definition).</summary>
internal interface IBinaryVectorOp
{
    static abstract float Apply(float a, float b);
    static abstract Vector128<float> Apply(Vector128<float> a, Vector128<float> b);
    static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
}

internal struct AddOp : IBinaryVectorOp
{
    public static float Apply(float a, float b) => a + b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a + b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a + b;
}

internal struct SubOp : IBinaryVectorOp
{
    public static float Apply(float a, float b) => a - b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a - b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a - b;
}

internal struct MulOp : IBinaryVectorOp
{
    public static float Apply(float a, float b) => a * b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a * b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a * b;
}

internal struct DivOp : IBinaryVectorOp
{
    public static float Apply(float a, float b) => a / b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a / b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a / b;
}

/// <summary>
/// Float32 activations as vectors. Comparisons are written so NaN passes through as the reference ops
/// keep it (x &lt; 0 ? 0 : x rather than max). Sigmoid uses the runtime's vector exp.
/// </summary>
internal readonly struct UnaryActivation(Activation kind, float alpha, float beta)
{
    public readonly Activation Kind = kind;
    public readonly float Alpha = alpha, Beta = beta;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called per element/vector: a call would dominate
    public float Apply(float x)
    {
        switch (Kind)
        {
            case Activation.Relu: return x < 0 ? 0 : x;
            case Activation.LeakyRelu: return x < 0 ? Alpha * x : x;
            case Activation.Clip: return x < Alpha ? Alpha : x > Beta ? Beta : x;
            case Activation.Sigmoid: return 1f / (1f + MathF.Exp(-x));
            case Activation.HardSigmoid: return MathF.Max(0, MathF.Min(1, Alpha * x + Beta));
            case Activation.HardSwish: return x * MathF.Max(0, MathF.Min(1, x * (1f / 6) + 0.5f));
            default: return x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> x)
    {
        switch (Kind)
        {
            case Activation.Relu: return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
            case Activation.LeakyRelu: return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * Alpha, x);
            case Activation.Clip:
            {
                var lo = Vector256.Create(Alpha);
                var hi = Vector256.Create(Beta);
                var y = Vector256.ConditionalSelect(Vector256.LessThan(x, lo), lo, x);
                return Vector256.ConditionalSelect(Vector256.GreaterThan(y, hi), hi, y);
            }
            case Activation.Sigmoid: return Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
            case Activation.HardSigmoid:
                return Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, x * Alpha + Vector256.Create(Beta)));
            case Activation.HardSwish:
                return x * Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, x * (1f / 6) + Vector256.Create(0.5f)));
            default: return x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> x)
    {
        switch (Kind)
        {
            case Activation.Relu: return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128<float>.Zero, x);
            case Activation.LeakyRelu: return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * Alpha, x);
            case Activation.Clip:
            {
                var lo = Vector128.Create(Alpha);
                var hi = Vector128.Create(Beta);
                var y = Vector128.ConditionalSelect(Vector128.LessThan(x, lo), lo, x);
                return Vector128.ConditionalSelect(Vector128.GreaterThan(y, hi), hi, y);
            }
            case Activation.Sigmoid: return Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));
            case Activation.HardSigmoid:
                return Vector128.Max(Vector128<float>.Zero, Vector128.Min(Vector128<float>.One, x * Alpha + Vector128.Create(Beta)));
            case Activation.HardSwish:
                return x * Vector128.Max(Vector128<float>.Zero, Vector128.Min(Vector128<float>.One, x * (1f / 6) + Vector128.Create(0.5f)));
            default: return x;
        }
    }
}
