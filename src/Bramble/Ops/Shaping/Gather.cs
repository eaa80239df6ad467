using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Gather: picks slices along <c>axis</c> by (possibly negative) indices; output shape is
/// data[:axis] + indices.shape + data[axis+1:], so scalar indices drop the axis.
/// </summary>
public sealed class Gather(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        if (!ShapeArgs.IsInteger(ctx.InputType(1))) throw ctx.Error($"indices must be integers, got {ctx.InputType(1).Name()}");
        if (data.Length == 0) throw ctx.Error("cannot gather from a scalar");
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), data.Length);
        var output = new List<int>();
        output.AddRange(data[..axis]);
        output.AddRange(indices);
        output.AddRange(data[(axis + 1)..]);
        ctx.SetOutput(0, ctx.InputType(0), ShapeArgs.CheckSize(ctx, output.ToArray()));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        var y = ctx.Output(0);
        int size = x.Type.Size();
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), x.Rank);
        long outer = ElementCopy.Product(x.Shape, 0, axis);
        long dim = x.Shape[axis];
        long slice = ElementCopy.Product(x.Shape, axis + 1, x.Rank) * size;
        long count = indices.Length;
        for (long j = 0; j < count; j++)
        {
            long index = ShapeArgs.Index(Node, indices, j, dim);
            for (long o = 0; o < outer; o++)
                ElementCopy.Block(y.Data + (o * count + j) * slice, x.Data + (o * dim + index) * slice, slice);
        }
    }
}
