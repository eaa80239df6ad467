using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>max(x, 0); NaN stays NaN.</summary>
public readonly struct ReluFn : INumericUnary
{
    public T Apply<T>(T x) where T : unmanaged, INumber<T>, IMinMaxValue<T> => x < T.Zero ? T.Zero : x;
}

/// <summary>ONNX Relu: y = max(x, 0), for floats and (opset 14+) signed integers.</summary>
public sealed class Relu(Node node) : NumericUnaryOperator<ReluFn>(node, default)
{
    private protected override bool TryFast(ExecContext ctx) => Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.Relu);

    protected override bool Supports(DataType type) => TypeDispatch.IsSigned(type);
}
