using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>
/// Base of the variadic ops (Sum, Min, Max, Mean): folds the inputs left to right, each broadcast to the
/// common output shape, so y = fn(fn(x0, x1), x2)…
/// </summary>
public abstract class VariadicOperator<TFn>(Node node, TFn fn) : Operator(node) where TFn : struct, INumericBinary
{
    protected virtual bool Supports(DataType type) => TypeDispatch.IsNumeric(type);

    /// <summary>True for Mean: the fold's result is divided by the input count.</summary>
    protected virtual bool DivideByCount => false;

    public override void InferOutputs(InferContext ctx)
    {
        if (ctx.InputCount == 0) throw ctx.Error("needs at least one input");
        for (int i = 0; i < ctx.InputCount; i++)
            if (!ctx.HasInput(i)) throw ctx.Error($"input {i} is missing");
        var type = TypeDispatch.RequireSame(ctx, 0, ctx.InputCount, Supports);
        ctx.SetOutput(0, type, Broadcasting.InferShape(ctx, 0, ctx.InputCount));
    }

    public override void Execute(ExecContext ctx)
    {
        var kernel = new Kernel { Ctx = ctx, Fn = fn, Mean = DivideByCount };
        TypeDispatch.Numeric(ctx.Input(0).Type, ref kernel, Node);
    }

    private struct Kernel : INumericKernel
    {
        public ExecContext Ctx;
        public TFn Fn;
        public bool Mean;

        public readonly unsafe void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var y = Ctx.Output(0);
            var op = new TypedBinary<T, TFn>(Fn);
            int count = Ctx.InputCount;
            if (count == 1)
                Broadcasting.Binary<T, T, T, First<T>>(Ctx.Input(0), Ctx.Input(0), y, default);
            else
                Broadcasting.Binary<T, T, T, TypedBinary<T, TFn>>(Ctx.Input(0), Ctx.Input(1), y, op);
            // y already has the output shape, so it can be the left operand of the next step in place.
            for (int i = 2; i < count; i++)
                Broadcasting.Binary<T, T, T, TypedBinary<T, TFn>>(y, Ctx.Input(i), y, op);
            if (!Mean) return;
            T n = T.CreateTruncating(count);
            T* p = (T*)y.Data;
            for (long i = 0; i < y.Length; i++) p[i] /= n;
        }
    }

    private readonly struct First<T> : IBinaryFn<T, T, T>
    {
        public T Apply(T a, T b) => a;
    }
}

/// <summary>ONNX Sum (variadic, broadcasting).</summary>
public sealed class Sum(Node node) : VariadicOperator<AddFn>(node, default);

/// <summary>ONNX Max (variadic, broadcasting; NaN propagates).</summary>
public sealed class Max(Node node) : VariadicOperator<MaxFn>(node, default);

/// <summary>ONNX Min (variadic, broadcasting; NaN propagates).</summary>
public sealed class Min(Node node) : VariadicOperator<MinFn>(node, default);

/// <summary>ONNX Mean (variadic, broadcasting; floating-point types).</summary>
public sealed class Mean(Node node) : VariadicOperator<AddFn>(node, default)
{
    protected override bool Supports(DataType type) => TypeDispatch.IsFloat(type);
    protected override bool DivideByCount => true;
}
