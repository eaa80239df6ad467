using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

// Boolean ops. ONNX bools are bytes; any non-zero byte reads as true, results are exactly 0 or 1.

public readonly struct AndFn : IBinaryFn<byte, byte, byte> { public byte Apply(byte a, byte b) => (byte)(a != 0 && b != 0 ? 1 : 0); }
public readonly struct OrFn : IBinaryFn<byte, byte, byte> { public byte Apply(byte a, byte b) => (byte)(a != 0 || b != 0 ? 1 : 0); }
public readonly struct XorFn : IBinaryFn<byte, byte, byte> { public byte Apply(byte a, byte b) => (byte)((a != 0) != (b != 0) ? 1 : 0); }
public readonly struct NotFn : IUnaryFn<byte, byte> { public byte Apply(byte x) => (byte)(x == 0 ? 1 : 0); }

/// <summary>Base of And/Or/Xor: two broadcast bool inputs, bool output.</summary>
public abstract class LogicalOperator<TFn>(Node node) : Operator(node) where TFn : struct, IBinaryFn<byte, byte, byte>
{
    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.RequireSame(ctx, 0, 2, t => t == DataType.Bool);
        ctx.SetOutput(0, DataType.Bool, Broadcasting.InferShape(ctx, 0, 2));
    }

    public override void Execute(ExecContext ctx) =>
        Broadcasting.Binary<byte, byte, byte, TFn>(ctx.Input(0), ctx.Input(1), ctx.Output(0), default);
}

public sealed class And(Node node) : LogicalOperator<AndFn>(node);
public sealed class Or(Node node) : LogicalOperator<OrFn>(node);
public sealed class Xor(Node node) : LogicalOperator<XorFn>(node);

/// <summary>ONNX Not (bool).</summary>
public sealed class Not(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx) =>
        ctx.SetOutput(0, TypeDispatch.Require(ctx, 0, t => t == DataType.Bool), ctx.InputShape(0));

    public override void Execute(ExecContext ctx) =>
        Broadcasting.Map<byte, byte, NotFn>(ctx.Input(0), ctx.Output(0), default);
}

/// <summary>ONNX Where: y = cond ? x : y with all three broadcast; x and y of any one type.</summary>
public sealed class Where(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.Require(ctx, 0, t => t == DataType.Bool);
        var type = TypeDispatch.RequireSame(ctx, 1, 2, t => t.Size() > 0);
        ctx.SetOutput(0, type, Broadcasting.InferShape(ctx, 0, 3));
    }

    public override void Execute(ExecContext ctx)
    {
        Tensor c = ctx.Input(0), a = ctx.Input(1), b = ctx.Input(2), y = ctx.Output(0);
        // Selection only moves bits, so one instantiation per element size serves every type.
        switch (y.Type.Size())
        {
            case 1: Broadcasting.Select<byte>(c, a, b, y); break;
            case 2: Broadcasting.Select<ushort>(c, a, b, y); break;
            case 4: Broadcasting.Select<uint>(c, a, b, y); break;
            case 8: Broadcasting.Select<ulong>(c, a, b, y); break;
            default: throw TypeDispatch.Unsupported(Node, y.Type);
        }
    }
}

/// <summary>ONNX IsNaN: float input, bool output.</summary>
public sealed class IsNaN(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.Require(ctx, 0, TypeDispatch.IsFloat);
        ctx.SetOutput(0, DataType.Bool, ctx.InputShape(0));
    }

    public override void Execute(ExecContext ctx) =>
        FloatClassifier.Run(Node, ctx.Input(0), ctx.Output(0), nan: true, negInf: false, posInf: false);
}

/// <summary>ONNX IsInf: detect_negative / detect_positive choose which infinities count.</summary>
public sealed class IsInf(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.Require(ctx, 0, TypeDispatch.IsFloat);
        ctx.SetOutput(0, DataType.Bool, ctx.InputShape(0));
    }

    public override void Execute(ExecContext ctx) =>
        FloatClassifier.Run(Node, ctx.Input(0), ctx.Output(0), nan: false,
            negInf: Node.GetInt("detect_negative", 1) != 0, posInf: Node.GetInt("detect_positive", 1) != 0);
}

internal static class FloatClassifier
{
    private readonly struct Classify<T>(bool nan, bool negInf, bool posInf) : IUnaryFn<T, byte>
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        public byte Apply(T x) =>
            (nan && T.IsNaN(x)) || (negInf && T.IsNegativeInfinity(x)) || (posInf && T.IsPositiveInfinity(x)) ? (byte)1 : (byte)0;
    }

    public static void Run(Node node, Tensor x, Tensor y, bool nan, bool negInf, bool posInf)
    {
        switch (x.Type)
        {
            case DataType.Float32: Broadcasting.Map<float, byte, Classify<float>>(x, y, new(nan, negInf, posInf)); break;
            case DataType.Float64: Broadcasting.Map<double, byte, Classify<double>>(x, y, new(nan, negInf, posInf)); break;
            case DataType.Float16: Broadcasting.Map<Half, byte, Classify<Half>>(x, y, new(nan, negInf, posInf)); break;
            default: throw TypeDispatch.Unsupported(node, x.Type);
        }
    }
}
