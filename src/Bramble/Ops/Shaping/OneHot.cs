using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX OneHot: a new axis of size depth where position indices[..] holds values[1] and all others values[0].
/// Negative indices count from depth; indices outside [-depth, depth) give an all-off row.
/// </summary>
public sealed class OneHot(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var indices = ctx.InputShape(0);
        if (ShapeUtil.ElementCount(ctx.InputShape(1)) != 1) throw ctx.Error("depth must hold one value");
        if (ShapeUtil.ElementCount(ctx.InputShape(2)) != 2) throw ctx.Error("values must hold [off, on]");
        long depth = Depth(ctx.RequireValue(1));
        if (depth < 1 || depth > int.MaxValue) throw ctx.Error($"depth {depth} is invalid");
        int rank = indices.Length + 1;
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", -1), rank);
        var output = new int[rank];
        for (int d = 0, i = 0; d < rank; d++) output[d] = d == axis ? (int)depth : indices[i++];
        ctx.SetOutput(0, ctx.InputType(2), ShapeArgs.CheckSize(ctx, output));
    }

    /// <summary>depth may be any numeric type; a fractional depth truncates, as in the reference.</summary>
    private static long Depth(Tensor t) => ShapeArgs.IsInteger(t.Type) ? t.GetInt64(0) : (long)t.GetDouble(0);

    public override unsafe void Execute(ExecContext ctx)
    {
        var indices = ctx.Input(0);
        long depth = Depth(ctx.Input(1));
        var values = ctx.Input(2);
        var y = ctx.Output(0);
        int size = y.Type.Size();
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", -1), y.Rank);
        long outer = ElementCopy.Product(indices.Shape, 0, axis);
        long inner = ElementCopy.Product(indices.Shape, axis, indices.Rank);
        byte* off = values.Data, on = values.Data + size;
        for (long i = 0; i < y.Length; i++) ElementCopy.One(y.Data + i * size, off, size);
        bool integral = ShapeArgs.IsInteger(indices.Type);
        for (long o = 0; o < outer; o++)
            for (long j = 0; j < inner; j++)
            {
                long flat = o * inner + j;
                long index = integral ? indices.GetInt64(flat) : (long)indices.GetDouble(flat);
                if (index < 0) index += depth;
                if (index < 0 || index >= depth) continue;
                ElementCopy.One(y.Data + ((o * depth + index) * inner + j) * size, on, size);
            }
    }
}
