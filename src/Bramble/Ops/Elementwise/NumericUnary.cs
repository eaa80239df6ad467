using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>A function of one value of a numeric type, generic over that type.</summary>
public interface INumericUnary
{
    T Apply<T>(T x) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>Fixes the element type of an <see cref="INumericUnary"/>.</summary>
public readonly struct TypedUnary<T, TFn>(TFn fn) : IUnaryFn<T, T>
    where T : unmanaged, INumber<T>, IMinMaxValue<T> where TFn : struct, INumericUnary
{
    public T Apply(T x) => fn.Apply(x);
}

/// <summary>|x|; integer MinValue wraps to itself as in C (no overflow exception).</summary>
public readonly struct AbsFn : INumericUnary
{
    public T Apply<T>(T x) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.IsNegative(x) ? -x : x;
}

public readonly struct NegFn : INumericUnary
{
    public T Apply<T>(T x) where T : unmanaged, INumber<T>, IMinMaxValue<T> => -x;
}

/// <summary>-1, 0 or 1; NaN stays NaN.</summary>
public readonly struct SignFn : INumericUnary
{
    public T Apply<T>(T x) where T : unmanaged, INumber<T>, IMinMaxValue<T> =>
        x > T.Zero ? T.One : x < T.Zero ? -T.One : x == T.Zero ? T.Zero : x;
}

/// <summary>Base of one-input numeric ops whose output has the input's type and shape.</summary>
public abstract class NumericUnaryOperator<TFn>(Node node, TFn fn) : Operator(node) where TFn : struct, INumericUnary
{
    protected virtual bool Supports(DataType type) => TypeDispatch.IsNumeric(type);

    public override void InferOutputs(InferContext ctx) =>
        ctx.SetOutput(0, TypeDispatch.Require(ctx, 0, Supports), ctx.InputShape(0));

    /// <summary>Vector fast path for float32 (Relu); false falls through to the reference.</summary>
    private protected virtual bool TryFast(ExecContext ctx) => false;

    public override void Execute(ExecContext ctx)
    {
        if (TryFast(ctx)) return;
        var kernel = new Kernel { X = ctx.Input(0), Y = ctx.Output(0), Fn = fn };
        TypeDispatch.Numeric(kernel.X.Type, ref kernel, Node);
    }

    private struct Kernel : INumericKernel
    {
        public Tensor X, Y;
        public TFn Fn;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => Broadcasting.Map<T, T, TypedUnary<T, TFn>>(X, Y, new TypedUnary<T, TFn>(Fn));
    }
}

/// <summary>ONNX Abs (all numeric types).</summary>
public sealed class Abs(Node node) : NumericUnaryOperator<AbsFn>(node, default);

/// <summary>ONNX Neg (floats and signed integers).</summary>
public sealed class Neg(Node node) : NumericUnaryOperator<NegFn>(node, default)
{
    protected override bool Supports(DataType type) => TypeDispatch.IsSigned(type);
}

/// <summary>ONNX Sign (all numeric types).</summary>
public sealed class Sign(Node node) : NumericUnaryOperator<SignFn>(node, default);
