using Bramble.Graph;

namespace Bramble.Ops.Elementwise;

// Activation functions with attributes. Attribute defaults are the ONNX ones; float attributes are
// widened to double, so the reference sees exactly the float32 value the model stores.

public readonly struct LeakyReluFn(double alpha) : IDoubleFn
{
    public double Apply(double x) => x >= 0 ? x : alpha * x;
}

public readonly struct HardSigmoidFn(double alpha, double beta) : IDoubleFn
{
    public double Apply(double x) => Math.Max(0, Math.Min(1, alpha * x + beta));
}

/// <summary>x · HardSigmoid(x) with alpha = 1/6, beta = 0.5.</summary>
public readonly struct HardSwishFn : IDoubleFn
{
    public double Apply(double x) => x * Math.Max(0, Math.Min(1, x / 6 + 0.5));
}

public readonly struct EluFn(double alpha) : IDoubleFn
{
    public double Apply(double x) => x >= 0 ? x : alpha * (Math.Exp(x) - 1);
}

public readonly struct SeluFn(double alpha, double gamma) : IDoubleFn
{
    public double Apply(double x) => x > 0 ? gamma * x : gamma * (alpha * Math.Exp(x) - alpha);
}

public readonly struct CeluFn(double alpha) : IDoubleFn
{
    public double Apply(double x) => Math.Max(0, x) + Math.Min(0, alpha * (Math.Exp(x / alpha) - 1));
}

public readonly struct ThresholdedReluFn(double alpha) : IDoubleFn
{
    public double Apply(double x) => x > alpha ? x : 0;
}

/// <summary>log(1 + e^x) in a form that neither overflows for large x nor loses small results.</summary>
public readonly struct SoftplusFn : IDoubleFn
{
    public double Apply(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
}

public readonly struct SoftsignFn : IDoubleFn
{
    public double Apply(double x) => x / (1 + Math.Abs(x));
}

/// <summary>x · tanh(softplus(x)).</summary>
public readonly struct MishFn : IDoubleFn
{
    public double Apply(double x) => x * Math.Tanh(default(SoftplusFn).Apply(x));
}

public sealed class LeakyRelu(Node node) : FloatUnaryOperator<LeakyReluFn>(node, new(node.GetFloat("alpha", 0.01f)))
{
    private protected override bool TryFast(ExecContext ctx) =>
        Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.LeakyRelu, Node.GetFloat("alpha", 0.01f));
}

public sealed class HardSigmoid(Node node)
    : FloatUnaryOperator<HardSigmoidFn>(node, new(node.GetFloat("alpha", 0.2f), node.GetFloat("beta", 0.5f)))
{
    private protected override bool TryFast(ExecContext ctx) =>
        Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.HardSigmoid, Node.GetFloat("alpha", 0.2f), Node.GetFloat("beta", 0.5f));
}

public sealed class HardSwish(Node node) : FloatUnaryOperator<HardSwishFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.HardSwish);
}

public sealed class Elu(Node node) : FloatUnaryOperator<EluFn>(node, new(node.GetFloat("alpha", 1f)));

public sealed class Selu(Node node)
    : FloatUnaryOperator<SeluFn>(node, new(node.GetFloat("alpha", 1.67326319217681884765625f), node.GetFloat("gamma", 1.05070102214813232421875f)));

public sealed class Celu(Node node) : FloatUnaryOperator<CeluFn>(node, new(node.GetFloat("alpha", 1f)))
{
    public override void InferOutputs(InferContext ctx)
    {
        if (Node.GetFloat("alpha", 1f) == 0) throw ctx.Error("alpha must not be 0");
        base.InferOutputs(ctx);
    }
}

public sealed class ThresholdedRelu(Node node) : FloatUnaryOperator<ThresholdedReluFn>(node, new(node.GetFloat("alpha", 1f)));

public sealed class Softplus(Node node) : FloatUnaryOperator<SoftplusFn>(node, default);

public sealed class Softsign(Node node) : FloatUnaryOperator<SoftsignFn>(node, default);

public sealed class Mish(Node node) : FloatUnaryOperator<MishFn>(node, default);

/// <summary>x · Φ(x), exactly through erf or (approximate="tanh") by the tanh formula.</summary>
public readonly struct GeluFn(bool tanh) : IDoubleFn
{
    public double Apply(double x) => tanh
        ? 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
        : 0.5 * x * (1 + ErrorFunction.Erf(x / Math.Sqrt(2)));
}

/// <summary>x &lt; -lambd → x + bias; x &gt; lambd → x - bias; else 0.</summary>
public readonly struct ShrinkFn(double lambd, double bias) : IDoubleFn
{
    public double Apply(double x) => x < -lambd ? x + bias : x > lambd ? x - bias : 0;
}

/// <summary>ONNX Gelu (opset 20); attribute approximate is "none" (default) or "tanh".</summary>
public sealed class Gelu(Node node) : FloatUnaryOperator<GeluFn>(node, new(node.GetString("approximate", "none") == "tanh"))
{
    public override void InferOutputs(InferContext ctx)
    {
        string approximate = Node.GetString("approximate", "none");
        if (approximate is not ("none" or "tanh")) throw ctx.Error($"approximate must be \"none\" or \"tanh\", not \"{approximate}\"");
        base.InferOutputs(ctx);
    }
}

/// <summary>ONNX Shrink (float types; defaults lambd 0.5, bias 0).</summary>
public sealed class Shrink(Node node) : FloatUnaryOperator<ShrinkFn>(node, new(node.GetFloat("lambd", 0.5f), node.GetFloat("bias", 0f)));
