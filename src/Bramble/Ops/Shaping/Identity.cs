using Bramble.Graph;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Identity: output = input (a view; tensors only, not sequences or optionals).</summary>
public sealed class Identity(Node node) : ViewOperator(node)
{
    public override void InferOutputs(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0), ctx.InputShape(0));
}
