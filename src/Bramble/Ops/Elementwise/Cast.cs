using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>Numeric conversion as ONNX (≤ 17) defines it: float → integer truncates toward zero (saturating
/// out of range, NaN → 0, which ONNX leaves undefined); integer → narrower integer wraps; rounding to
/// nearest-even between float widths.</summary>
public readonly struct ConvertFn<TIn, TOut> : IUnaryFn<TIn, TOut>
    where TIn : unmanaged, INumber<TIn> where TOut : unmanaged, INumber<TOut>
{
    public TOut Apply(TIn x) => TOut.CreateTruncating(x);
}

/// <summary>Any non-zero value (including NaN) is true.</summary>
public readonly struct ToBoolFn<TIn> : IUnaryFn<TIn, byte> where TIn : unmanaged, INumber<TIn>
{
    public byte Apply(TIn x) => x != TIn.Zero ? (byte)1 : (byte)0;
}

/// <summary>ONNX Cast: converts between all numeric types, bool and float16 (attribute <c>to</c>).</summary>
public class Cast(Node node) : Operator(node)
{
    private static bool Supports(DataType type) => TypeDispatch.IsNumeric(type) || type == DataType.Bool;

    /// <summary>The target type; CastLike takes it from its second input.</summary>
    protected virtual DataType TargetType(InferContext ctx)
    {
        long to = Node.GetInt("to", 0);
        if (!Node.HasAttribute("to")) throw ctx.Error("attribute 'to' is missing");
        return (DataType)to;
    }

    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.Require(ctx, 0, Supports);
        var to = TargetType(ctx);
        if (!Supports(to))
            throw new UnsupportedOperatorException(
                $"{Node.OpType} at node '{Node.DisplayName}' cannot convert to ONNX type {(int)to} ({(to.Size() > 0 || to == DataType.String ? to.Name() : "not a Bramble type")})");
        ctx.SetOutput(0, to, ctx.InputShape(0));
    }

    public override void Execute(ExecContext ctx)
    {
        Tensor x = ctx.Input(0), y = ctx.Output(0);
        if (x.Type == y.Type)
        {
            y.CopyFrom(x);
            return;
        }
        var kernel = new SourceKernel { X = x, Y = y, Node = Node };
        // A bool source reads as the bytes 0/1, which every target type converts exactly.
        TypeDispatch.Numeric(x.Type, ref kernel, Node, boolAsByte: true);
    }

    private struct SourceKernel : INumericKernel
    {
        public Tensor X, Y;
        public Node Node;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (Y.Type == DataType.Bool)
            {
                Broadcasting.Map<T, byte, ToBoolFn<T>>(X, Y, default);
                return;
            }
            var inner = new TargetKernel<T> { X = X, Y = Y };
            TypeDispatch.Numeric(Y.Type, ref inner, Node);
        }
    }

    private struct TargetKernel<TIn> : INumericKernel where TIn : unmanaged, INumber<TIn>
    {
        public Tensor X, Y;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => Broadcasting.Map<TIn, T, ConvertFn<TIn, T>>(X, Y, default);
    }
}

/// <summary>ONNX CastLike (opset 15): Cast to the type of input 1.</summary>
public sealed class CastLike(Node node) : Cast(node)
{
    protected override DataType TargetType(InferContext ctx) => ctx.InputType(1);
}
