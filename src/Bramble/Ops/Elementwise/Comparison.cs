using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>A predicate on two values of one numeric type.</summary>
public interface INumericCompare
{
    bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>Fixes the element type of a comparison and writes ONNX bools (one byte, 0 or 1).</summary>
public readonly struct TypedCompare<T, TFn> : IBinaryFn<T, T, byte>
    where T : unmanaged, INumber<T> where TFn : struct, INumericCompare
{
    public byte Apply(T a, T b) => default(TFn).Apply(a, b) ? (byte)1 : (byte)0;
}

public readonly struct EqualFn : INumericCompare { public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a == b; }
public readonly struct LessFn : INumericCompare { public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a < b; }
public readonly struct GreaterFn : INumericCompare { public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a > b; }
public readonly struct LessOrEqualFn : INumericCompare { public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a <= b; }
public readonly struct GreaterOrEqualFn : INumericCompare { public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a >= b; }

/// <summary>Base of the broadcasting comparisons: numeric (or bool) inputs of one type, bool output.</summary>
public abstract class ComparisonOperator<TFn>(Node node) : Operator(node) where TFn : struct, INumericCompare
{
    private static bool Supports(DataType type) => TypeDispatch.IsNumeric(type) || type == DataType.Bool;

    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.RequireSame(ctx, 0, 2, Supports);
        ctx.SetOutput(0, DataType.Bool, Broadcasting.InferShape(ctx, 0, 2));
    }

    public override void Execute(ExecContext ctx)
    {
        var kernel = new Kernel { A = ctx.Input(0), B = ctx.Input(1), Y = ctx.Output(0) };
        TypeDispatch.Numeric(kernel.A.Type, ref kernel, Node, boolAsByte: true);
    }

    private struct Kernel : INumericKernel
    {
        public Tensor A, B, Y;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => Broadcasting.Binary<T, T, byte, TypedCompare<T, TFn>>(A, B, Y, default);
    }
}

public sealed class Equal(Node node) : ComparisonOperator<EqualFn>(node);
public sealed class Less(Node node) : ComparisonOperator<LessFn>(node);
public sealed class Greater(Node node) : ComparisonOperator<GreaterFn>(node);
public sealed class LessOrEqual(Node node) : ComparisonOperator<LessOrEqualFn>(node);
public sealed class GreaterOrEqual(Node node) : ComparisonOperator<GreaterOrEqualFn>(node);
