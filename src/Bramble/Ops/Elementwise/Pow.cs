using System.Numerics;
using System.Runtime.InteropServices;
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

    private bool _square;

    /// <summary>
    /// A float32 base raised to the constant 2 (layer normalisation's variance) is squared with SIMD multiplies unless
    /// reference kernels are asked for: the same floats, since a float's square is exact in double and Math.Pow is then exact.
    /// </summary>
    public override void Prepare(PrepareContext ctx) =>
        _square = !ctx.Options.ReferenceKernels && ctx.Shapes.InputType(0) == DataType.Float32
            && ctx.ConstantInput(1) is { Type: DataType.Float32, Length: 1 } e && e.AsReadOnlySpan<float>()[0] == 2f
            && ctx.Shapes.InputShape(1).Length <= ctx.Shapes.InputShape(0).Length;

    public override string KernelName => _square ? "square simd" : "reference";

    public override void Execute(ExecContext ctx)
    {
        if (_square)
        {
            Square(ctx.Input(0).AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
            return;
        }
        var kernel = new BaseKernel { A = ctx.Input(0), B = ctx.Input(1), Y = ctx.Output(0), Node = Node };
        TypeDispatch.Numeric(kernel.A.Type, ref kernel, Node);
    }

    private static void Square(ReadOnlySpan<float> x, Span<float> y)
    {
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        for (int i = 0; i < xv.Length; i++) yv[i] = xv[i] * xv[i];
        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++) y[i] = x[i] * x[i];
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
