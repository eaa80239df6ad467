using Bramble.Graph;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Unsqueeze: inserts size-1 axes at the listed positions of the OUTPUT (attribute before opset 13, input since).</summary>
public sealed class Unsqueeze(Node node) : ViewOperator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var axes = ShapeArgs.FromInputOrAttribute(ctx, 1, "axes");
        if (!axes.Present) throw ctx.Error("axes are missing");
        int rank = input.Length + axes.Length;
        var inserted = new bool[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            int a = ShapeArgs.Axis(Node, axes[i], rank);
            if (inserted[a]) throw ctx.Error($"axis {axes[i]} is listed twice");
            inserted[a] = true;
        }
        var output = new int[rank];
        int next = 0;
        for (int d = 0; d < rank; d++) output[d] = inserted[d] ? 1 : input[next++];
        ctx.SetOutput(0, ctx.InputType(0), output);
    }
}
