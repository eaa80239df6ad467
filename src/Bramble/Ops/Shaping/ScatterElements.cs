using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX ScatterElements (and its opset 9–10 name Scatter): a copy of data where element i.. of updates goes
/// to data[i.. with the <c>axis</c> coordinate replaced by indices[i..]]; reduction none/add/mul/max/min.
/// </summary>
public sealed class ScatterElements(Node node) : Operator(node)
{
    private readonly ElementValues.Reduction _reduction = ElementValues.ParseReduction(node);

    public override void InferOutputs(InferContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        if (!ShapeArgs.IsInteger(ctx.InputType(1))) throw ctx.Error($"indices must be integers, got {ctx.InputType(1).Name()}");
        if (ctx.InputType(2) != ctx.InputType(0)) throw ctx.Error("updates must have data's type");
        if (!ShapeUtil.SameShape(indices, ctx.InputShape(2)))
            throw ctx.Error($"updates shape {ShapeUtil.Format(ctx.InputShape(2))} differs from indices shape {ShapeUtil.Format(indices)}");
        GatherElements.CheckIndexShape(ctx, Node, data, indices, "indices");
        if (_reduction != ElementValues.Reduction.None && !ElementValues.IsNumeric(ctx.InputType(0)))
            throw ctx.Error($"reduction needs numbers, not {ctx.InputType(0).Name()}");
        ctx.SetOutput(0, ctx.InputType(0), data);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        var updates = ctx.Input(2);
        var y = ctx.Output(0);
        ElementCopy.Whole(x, y);
        int rank = x.Rank, size = x.Type.Size();
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", 0), rank);
        Span<long> strides = stackalloc long[rank];
        Span<int> position = stackalloc int[rank];
        ElementCopy.ByteStrides(x.Shape, size, strides);
        position.Clear();
        for (long i = 0; i < indices.Length; i++)
        {
            long offset = 0;
            for (int d = 0; d < rank; d++)
                offset += (d == axis ? ShapeArgs.Index(Node, indices, i, x.Shape[axis]) : position[d]) * strides[d];
            ElementValues.Combine(y.Data + offset, updates.Data + i * size, 1, x.Type, _reduction);
            GatherElements.Next(position, indices.Shape);
        }
    }
}
