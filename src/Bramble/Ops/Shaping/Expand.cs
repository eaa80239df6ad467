using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Expand: broadcasts the input to broadcast(input.shape, shape) (numpy rules, both ways).</summary>
public sealed class Expand(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var requested = ctx.RequireValue(1);
        ShapeArgs.RequireInteger(ctx, requested, 1);
        if (requested.Rank != 1) throw ctx.Error($"shape must be 1-D, got {ShapeUtil.Format(requested.Shape)}");
        var shape = new int[requested.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = ShapeArgs.Dim(Node, requested.GetInt64(i), "requested dimension");
        if (Math.Max(shape.Length, input.Length) > ElementCopy.MaxRank) throw ctx.Error("rank is too large");
        int[] output;
        try
        {
            output = ShapeUtil.Broadcast(input, shape);
        }
        catch (ShapeException e)
        {
            throw ctx.Error(e.Message);
        }
        ctx.SetOutput(0, ctx.InputType(0), ShapeArgs.CheckSize(ctx, output));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int rank = y.Rank, size = x.Type.Size(), lead = rank - x.Rank;
        Span<long> inStrides = stackalloc long[x.Rank];
        Span<long> strides = stackalloc long[rank];
        ElementCopy.ByteStrides(x.Shape, size, inStrides);
        // A broadcast dimension re-reads the same elements: stride 0.
        for (int d = 0; d < rank; d++)
            strides[d] = d < lead || x.Shape[d - lead] == 1 ? 0 : inStrides[d - lead];
        ElementCopy.Strided(x.Data, strides, y.Data, y.Shape, size);
    }
}
