using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>A real function evaluated in double precision; the reference for float16/32/64 alike.</summary>
public interface IDoubleFn
{
    double Apply(double x);
}

/// <summary>Evaluates an <see cref="IDoubleFn"/> on element type T, rounding the double result once to T.</summary>
public readonly struct ViaDouble<T, TFn>(TFn fn) : IUnaryFn<T, T>
    where T : unmanaged, INumber<T> where TFn : struct, IDoubleFn
{
    public T Apply(T x) => T.CreateTruncating(fn.Apply(double.CreateTruncating(x)));
}

/// <summary>Base of one-input floating-point ops (Exp, Sigmoid, LeakyRelu…) computed in double.</summary>
public abstract class FloatUnaryOperator<TFn>(Node node, TFn fn) : Operator(node) where TFn : struct, IDoubleFn
{
    public override void InferOutputs(InferContext ctx) =>
        ctx.SetOutput(0, TypeDispatch.Require(ctx, 0, TypeDispatch.IsFloat), ctx.InputShape(0));

    /// <summary>Vector fast path for float32 (activations); false falls through to the double-precision reference.</summary>
    private protected virtual bool TryFast(ExecContext ctx) => false;

    public override void Execute(ExecContext ctx)
    {
        if (TryFast(ctx)) return;
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        switch (x.Type)
        {
            case DataType.Float32: Broadcasting.Map<float, float, ViaDouble<float, TFn>>(x, y, new(fn)); break;
            case DataType.Float64: Broadcasting.Map<double, double, ViaDouble<double, TFn>>(x, y, new(fn)); break;
            case DataType.Float16: Broadcasting.Map<Half, Half, ViaDouble<Half, TFn>>(x, y, new(fn)); break;
            default: throw TypeDispatch.Unsupported(Node, x.Type);
        }
    }
}

public readonly struct SqrtFn : IDoubleFn { public double Apply(double x) => Math.Sqrt(x); }
public readonly struct ReciprocalFn : IDoubleFn { public double Apply(double x) => 1.0 / x; }
public readonly struct ExpFn : IDoubleFn { public double Apply(double x) => Math.Exp(x); }
public readonly struct LogFn : IDoubleFn { public double Apply(double x) => Math.Log(x); }
public readonly struct ErfFn : IDoubleFn { public double Apply(double x) => ErrorFunction.Erf(x); }
public readonly struct FloorFn : IDoubleFn { public double Apply(double x) => Math.Floor(x); }
public readonly struct CeilFn : IDoubleFn { public double Apply(double x) => Math.Ceiling(x); }

/// <summary>Rounds half to even, as ONNX Round specifies.</summary>
public readonly struct RoundFn : IDoubleFn { public double Apply(double x) => Math.Round(x, MidpointRounding.ToEven); }

public readonly struct SinFn : IDoubleFn { public double Apply(double x) => Math.Sin(x); }
public readonly struct CosFn : IDoubleFn { public double Apply(double x) => Math.Cos(x); }
public readonly struct TanFn : IDoubleFn { public double Apply(double x) => Math.Tan(x); }
public readonly struct AsinFn : IDoubleFn { public double Apply(double x) => Math.Asin(x); }
public readonly struct AcosFn : IDoubleFn { public double Apply(double x) => Math.Acos(x); }
public readonly struct AtanFn : IDoubleFn { public double Apply(double x) => Math.Atan(x); }
public readonly struct SinhFn : IDoubleFn { public double Apply(double x) => Math.Sinh(x); }
public readonly struct CoshFn : IDoubleFn { public double Apply(double x) => Math.Cosh(x); }
public readonly struct TanhFn : IDoubleFn { public double Apply(double x) => Math.Tanh(x); }
public readonly struct AsinhFn : IDoubleFn { public double Apply(double x) => Math.Asinh(x); }
public readonly struct AcoshFn : IDoubleFn { public double Apply(double x) => Math.Acosh(x); }
public readonly struct AtanhFn : IDoubleFn { public double Apply(double x) => Math.Atanh(x); }

/// <summary>1 / (1 + e^-x), written so neither branch overflows.</summary>
public readonly struct SigmoidFn : IDoubleFn
{
    public double Apply(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));
}

public sealed class Sqrt(Node node) : FloatUnaryOperator<SqrtFn>(node, default);
public sealed class Reciprocal(Node node) : FloatUnaryOperator<ReciprocalFn>(node, default);
public sealed class Exp(Node node) : FloatUnaryOperator<ExpFn>(node, default);
public sealed class Log(Node node) : FloatUnaryOperator<LogFn>(node, default);
public sealed class Erf(Node node) : FloatUnaryOperator<ErfFn>(node, default);
public sealed class Floor(Node node) : FloatUnaryOperator<FloorFn>(node, default);
public sealed class Ceil(Node node) : FloatUnaryOperator<CeilFn>(node, default);
public sealed class Round(Node node) : FloatUnaryOperator<RoundFn>(node, default);
public sealed class Sin(Node node) : FloatUnaryOperator<SinFn>(node, default);
public sealed class Cos(Node node) : FloatUnaryOperator<CosFn>(node, default);
public sealed class Tan(Node node) : FloatUnaryOperator<TanFn>(node, default);
public sealed class Asin(Node node) : FloatUnaryOperator<AsinFn>(node, default);
public sealed class Acos(Node node) : FloatUnaryOperator<AcosFn>(node, default);
public sealed class Atan(Node node) : FloatUnaryOperator<AtanFn>(node, default);
public sealed class Sinh(Node node) : FloatUnaryOperator<SinhFn>(node, default);
public sealed class Cosh(Node node) : FloatUnaryOperator<CoshFn>(node, default);
public sealed class Tanh(Node node) : FloatUnaryOperator<TanhFn>(node, default);
public sealed class Asinh(Node node) : FloatUnaryOperator<AsinhFn>(node, default);
public sealed class Acosh(Node node) : FloatUnaryOperator<AcoshFn>(node, default);
public sealed class Atanh(Node node) : FloatUnaryOperator<AtanhFn>(node, default);
public sealed class Sigmoid(Node node) : FloatUnaryOperator<SigmoidFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.Sigmoid);
}
