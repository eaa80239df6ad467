using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Size: the input's element count as an int64 scalar, known at planning time.</summary>
public sealed class SizeOf(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx) =>
        ctx.SetOutputValue(0, Tensor.Scalar(ShapeUtil.ElementCount(ctx.InputShape(0))));

    public override void Execute(ExecContext ctx) => ctx.Output(0).AsSpan<long>()[0] = ctx.Input(0).Length;
}
