using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Split along <c>axis</c>: part sizes from the "split" attribute (opset &lt; 13) or input 1 (opset ≥ 13);
/// without them, equal parts (opset 18's num_outputs allows a smaller last part).
/// </summary>
public sealed class Split(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), input.Length);
        int parts = ctx.OutputCount;
        var split = ShapeArgs.FromInputOrAttribute(ctx, 1, "split");
        if (split.Present)
        {
            if (split.Length != parts) throw ctx.Error($"split lists {split.Length} sizes for {parts} outputs");
            long sum = 0;
            for (int i = 0; i < parts; i++)
            {
                if (split[i] < 0) throw ctx.Error($"split size {split[i]} is negative");
                sum += split[i];
            }
            if (sum != input[axis]) throw ctx.Error($"split sizes sum to {sum}, but axis {axis} of {ShapeUtil.Format(input)} has {input[axis]}");
        }
        else if (Node.HasAttribute("num_outputs"))
        {
            if (Node.GetInt("num_outputs", 0) != parts) throw ctx.Error($"num_outputs {Node.GetInt("num_outputs", 0)} does not match the {parts} outputs");
        }
        else if (input[axis] % parts != 0)
        {
            throw ctx.Error($"axis {axis} of {ShapeUtil.Format(input)} does not split into {parts} equal parts");
        }
        for (int i = 0; i < parts; i++)
        {
            var shape = (int[])input.Clone();
            shape[axis] = PartSize(split, i, input[axis], parts);
            ctx.SetOutput(i, ctx.InputType(0), shape);
        }
    }

    /// <summary>Size of part <paramref name="i"/>: as listed, else ceil(dim / parts) with the remainder in the last part.</summary>
    private static int PartSize(in IntArg split, int i, int dim, int parts)
    {
        if (split.Present) return (int)split[i];
        int chunk = (dim + parts - 1) / parts;
        return (int)Math.Clamp(dim - (long)chunk * i, 0, chunk);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank, size = x.Type.Size();
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), rank);
        var split = ShapeArgs.FromInputOrAttribute(ctx, 1, "split");
        long outer = ElementCopy.Product(x.Shape, 0, axis);
        long inner = ElementCopy.Product(x.Shape, axis + 1, rank) * size;
        long inRow = x.Shape[axis] * inner;
        long offset = 0;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            long row = PartSize(split, i, x.Shape[axis], ctx.OutputCount) * inner;
            if (ctx.HasOutput(i))
            {
                var y = ctx.Output(i);
                for (long o = 0; o < outer; o++)
                    ElementCopy.Block(y.Data + o * row, x.Data + o * inRow + offset, row);
            }
            offset += row;
        }
    }
}
