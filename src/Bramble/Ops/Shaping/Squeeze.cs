using Bramble.Graph;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Squeeze: removes the listed size-1 axes (attribute before opset 13, input since), or all size-1 axes when none are listed.</summary>
public sealed class Squeeze(Node node) : ViewOperator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var axes = ShapeArgs.FromInputOrAttribute(ctx, 1, "axes");
        var remove = new bool[input.Length];
        if (!axes.Present)
        {
            for (int d = 0; d < input.Length; d++) remove[d] = input[d] == 1;
        }
        else
        {
            for (int i = 0; i < axes.Length; i++)
            {
                int a = ShapeArgs.Axis(Node, axes[i], input.Length);
                if (input[a] != 1)
                    throw ctx.Error($"cannot squeeze axis {axes[i]} of shape {Tensors.ShapeUtil.Format(input)}: its size is {input[a]}, not 1");
                remove[a] = true;
            }
        }
        var output = new List<int>();
        for (int d = 0; d < input.Length; d++)
            if (!remove[d]) output.Add(input[d]);
        ctx.SetOutput(0, ctx.InputType(0), output.ToArray());
    }
}
