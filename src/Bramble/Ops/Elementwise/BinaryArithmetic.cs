using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>A function of two values of one numeric type, generic over that type.</summary>
public interface INumericBinary
{
    T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>Fixes the element type of an <see cref="INumericBinary"/> so the broadcasting driver can call it.</summary>
public readonly struct TypedBinary<T, TFn>(TFn fn) : IBinaryFn<T, T, T>
    where T : unmanaged, INumber<T>, IMinMaxValue<T> where TFn : struct, INumericBinary
{
    public T Apply(T a, T b) => fn.Apply(a, b);
}

public readonly struct AddFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a + b;
}

public readonly struct SubFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a - b;
}

public readonly struct MulFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a * b;
}

/// <summary>Division; integers truncate toward zero (as C and ONNX Runtime do).</summary>
public readonly struct DivFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a / b;
}

/// <summary>Maximum; NaN if either operand is NaN (numpy.maximum).</summary>
public readonly struct MaxFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.Max(a, b);
}

/// <summary>Minimum; NaN if either operand is NaN (numpy.minimum).</summary>
public readonly struct MinFn : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.Min(a, b);
}

/// <summary>
/// ONNX Mod. With <paramref name="floorMod"/> (fmod=0) the result takes the divisor's sign (Python's %);
/// otherwise the dividend's (C fmod, which is what C#'s % computes for every type).
/// </summary>
public readonly struct ModFn(bool floorMod) : INumericBinary
{
    public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        T r = a % b;
        if (floorMod && r != T.Zero && (r < T.Zero) != (b < T.Zero)) r += b;
        return r;
    }
}

/// <summary>Base of two-input numeric ops with multidirectional broadcasting and one shared input type.</summary>
public abstract class NumericBinaryOperator<TFn>(Node node, TFn fn) : Operator(node) where TFn : struct, INumericBinary
{
    protected virtual bool Supports(DataType type) => TypeDispatch.IsNumeric(type);

    public override void InferOutputs(InferContext ctx)
    {
        var type = TypeDispatch.RequireSame(ctx, 0, 2, Supports);
        ctx.SetOutput(0, type, Broadcasting.InferShape(ctx, 0, 2));
    }

    /// <summary>Vector fast path for float32 (Add/Sub/Mul/Div); false falls through to the reference.</summary>
    private protected virtual bool TryFast(ExecContext ctx) => false;

    public override void Execute(ExecContext ctx)
    {
        if (TryFast(ctx)) return;
        var kernel = new Kernel { A = ctx.Input(0), B = ctx.Input(1), Y = ctx.Output(0), Fn = fn };
        try
        {
            TypeDispatch.Numeric(kernel.A.Type, ref kernel, Node);
        }
        catch (ArithmeticException e)
        {
            // Integer division by zero (or MinValue / -1): bad data, reported like any other input error.
            throw new BrambleException($"{Node.Describe()}: integer arithmetic failed ({e.GetType().Name})");
        }
    }

    private struct Kernel : INumericKernel
    {
        public Tensor A, B, Y;
        public TFn Fn;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => Broadcasting.Binary<T, T, T, TypedBinary<T, TFn>>(A, B, Y, new TypedBinary<T, TFn>(Fn));
    }
}

/// <summary>ONNX Add (numpy broadcasting).</summary>
public sealed class Add(Node node) : NumericBinaryOperator<AddFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryBinary<Kernels.Elementwise.AddOp>(ctx);
}

/// <summary>ONNX Sub.</summary>
public sealed class Sub(Node node) : NumericBinaryOperator<SubFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryBinary<Kernels.Elementwise.SubOp>(ctx);
}

/// <summary>ONNX Mul.</summary>
public sealed class Mul(Node node) : NumericBinaryOperator<MulFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryBinary<Kernels.Elementwise.MulOp>(ctx);
}

/// <summary>ONNX Div; integer division truncates; integer division by zero is an error.</summary>
public sealed class Div(Node node) : NumericBinaryOperator<DivFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryBinary<Kernels.Elementwise.DivOp>(ctx);
}

/// <summary>ONNX Mod (opset 10+): fmod=0 is integer floor-mod, fmod=1 is C fmod; floats require fmod=1.</summary>
public sealed class Mod(Node node) : NumericBinaryOperator<ModFn>(node, new ModFn(node.GetInt("fmod", 0) == 0))
{
    public override void InferOutputs(InferContext ctx)
    {
        base.InferOutputs(ctx);
        if (Node.GetInt("fmod", 0) == 0 && TypeDispatch.IsFloat(ctx.InputType(0)))
            throw ctx.Error("fmod must be 1 for floating-point inputs");
    }
}
