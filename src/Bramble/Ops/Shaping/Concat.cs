using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Concat: joins inputs of equal rank and type along <c>axis</c> (required; negative since opset 11).</summary>
public sealed class Concat(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        if (ctx.InputCount == 0) throw ctx.Error("needs at least one input");
        if (!Node.HasAttribute("axis")) throw ctx.Error("attribute 'axis' is required");
        var first = ctx.InputShape(0);
        var type = ctx.InputType(0);
        int rank = first.Length;
        if (rank == 0) throw ctx.Error("cannot concatenate scalars");
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), rank);
        var output = (int[])first.Clone();
        long total = first[axis];
        for (int i = 1; i < ctx.InputCount; i++)
        {
            var shape = ctx.InputShape(i);
            if (ctx.InputType(i) != type) throw ctx.Error($"input {i} is {ctx.InputType(i).Name()}, input 0 is {type.Name()}");
            bool ok = shape.Length == rank;
            for (int d = 0; ok && d < rank; d++) ok = d == axis || shape[d] == first[d];
            if (!ok) throw ctx.Error($"input {i} shape {ShapeUtil.Format(shape)} does not match input 0 shape {ShapeUtil.Format(first)} outside axis {axis}");
            total += shape[axis];
        }
        if (total > int.MaxValue) throw ctx.Error("concatenated dimension is too large");
        output[axis] = (int)total;
        ctx.SetOutput(0, type, ShapeArgs.CheckSize(ctx, output));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var y = ctx.Output(0);
        int rank = y.Rank, size = y.Type.Size();
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), rank);
        long outer = ElementCopy.Product(y.Shape, 0, axis);
        long inner = ElementCopy.Product(y.Shape, axis + 1, rank) * size;
        long outRow = y.Shape[axis] * inner;
        long offset = 0;
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var x = ctx.Input(i);
            long row = x.Shape[axis] * inner;
            for (long o = 0; o < outer; o++)
                ElementCopy.Block(y.Data + o * outRow + offset, x.Data + o * row, row);
            offset += row;
        }
    }
}
