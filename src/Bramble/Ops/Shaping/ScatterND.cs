using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX ScatterND: a copy of data where each index tuple (last dim of indices, depth k) receives a slice of
/// updates, replacing or combining (reduction add/mul, opset 16; max/min, opset 18).
/// </summary>
public sealed class ScatterND(Node node) : Operator(node)
{
    private readonly ElementValues.Reduction _reduction = ElementValues.ParseReduction(node);

    public override void InferOutputs(InferContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        var updates = ctx.InputShape(2);
        if (ctx.InputType(1) != DataType.Int64) throw ctx.Error($"indices must be int64, got {ctx.InputType(1).Name()}");
        if (ctx.InputType(2) != ctx.InputType(0)) throw ctx.Error("updates must have data's type");
        GatherND.CheckShapes(ctx, Node, data, indices);
        int k = indices[^1];
        var expected = new List<int>(indices[..^1]);
        expected.AddRange(data[k..]);
        if (!ShapeUtil.SameShape(updates, expected.ToArray()))
            throw ctx.Error($"updates shape {ShapeUtil.Format(updates)} should be {ShapeUtil.Format(expected.ToArray())}");
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
        int size = x.Type.Size();
        int k = indices.Shape[^1];
        long tuples = indices.Length / k;
        long sliceCount = ElementCopy.Product(x.Shape, k, x.Rank);
        long slice = sliceCount * size;
        for (long t = 0; t < tuples; t++)
        {
            long offset = GatherND.TupleOffset(Node, x.Shape, indices, t * k, 0, k, slice);
            ElementValues.Combine(y.Data + offset, updates.Data + t * slice, sliceCount, x.Type, _reduction);
        }
    }
}
