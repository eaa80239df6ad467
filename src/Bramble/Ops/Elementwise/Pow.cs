using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>a^b evaluated in double and converted to the base's type (integers truncate, as C's pow then a cast does).</summary>
public readonly struct PowFn<TBase, TExp> : IBinaryFn<TBase, TExp, TBase>
    where TBase : unmanaged, INumber<TBase> where TExp : unmanaged, INumber<TExp>
{
    public TBase Apply(TBase a, TExp b) =>
        TBase.CreateSaturating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b)));
}

/// <summary>ONNX Pow: broadcasting; from opset 12 the exponent may have another numeric type than the base.</summary>
public sealed class Pow(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var type = TypeDispatch.Require(ctx, 0, TypeDispatch.IsNumeric);
        TypeDispatch.Require(ctx, 1, TypeDispatch.IsNumeric);
        ctx.SetOutput(0, type, Broadcasting.InferShape(ctx, 0, 2));
    }

    public override void Execute(ExecContext ctx)
    {
        var kernel = new BaseKernel { A = ctx.Input(0), B = ctx.Input(1), Y = ctx.Output(0), Node = Node };
        TypeDispatch.Numeric(kernel.A.Type, ref kernel, Node);
    }

    private struct BaseKernel : INumericKernel
    {
        public Tensor A, B, Y;
        public Node Node;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var inner = new ExponentKernel<T> { A = A, B = B, Y = Y };
            TypeDispatch.Numeric(B.Type, ref inner, Node);
        }
    }

    private struct ExponentKernel<TBase> : INumericKernel where TBase : unmanaged, INumber<TBase>
    {
        public Tensor A, B, Y;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => Broadcasting.Binary<TBase, T, TBase, PowFn<TBase, T>>(A, B, Y, default);
    }
}
