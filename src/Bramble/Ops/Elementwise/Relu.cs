using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>ONNX Relu: y = max(x, 0). Reference kernel.</summary>
public sealed class Relu(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0), ctx.InputShape(0));

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0).AsReadOnlySpan<float>();
        var y = ctx.Output(0).AsSpan<float>();
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0;
    }
}
