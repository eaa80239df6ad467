using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Tile: repeats the input repeats[d] times along each dimension d.</summary>
public sealed class Tile(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var repeats = ctx.RequireValue(1);
        ShapeArgs.RequireInteger(ctx, repeats, 1);
        if (repeats.Rank != 1 || repeats.Length != input.Length)
            throw ctx.Error($"repeats {ShapeUtil.Format(repeats.Shape)} must be 1-D with one entry per input dimension ({input.Length})");
        if (input.Length > ElementCopy.MaxRank) throw ctx.Error("rank is too large");
        var output = new int[input.Length];
        for (int d = 0; d < output.Length; d++)
        {
            long r = repeats.GetInt64(d);
            if (r < 0) throw ctx.Error($"repeat {r} on axis {d} is negative");
            output[d] = ShapeArgs.Dim(Node, input[d] * r, "tiled dimension");
        }
        ctx.SetOutput(0, ctx.InputType(0), ShapeArgs.CheckSize(ctx, output));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int rank = x.Rank, size = x.Type.Size();
        if (y.Length == 0) return;
        if (rank == 0)
        {
            ElementCopy.One(y.Data, x.Data, size);
            return;
        }
        Span<long> strides = stackalloc long[rank];
        Span<int> position = stackalloc int[rank];
        ElementCopy.ByteStrides(x.Shape, size, strides);
        position.Clear();
        // One output row (last dim) is the input row repeated; walk output rows and wrap outer coordinates.
        int last = rank - 1;
        long inRow = (long)x.Shape[last] * size;
        long repeats = y.Shape[last] / x.Shape[last];
        long rows = y.Length / y.Shape[last];
        byte* dst = y.Data;
        for (long r = 0; r < rows; r++)
        {
            long offset = 0;
            for (int d = 0; d < last; d++) offset += position[d] % x.Shape[d] * strides[d];
            for (long k = 0; k < repeats; k++, dst += inRow) ElementCopy.Block(dst, x.Data + offset, inRow);
            for (int d = last - 1; d >= 0; d--)
            {
                if (++position[d] < y.Shape[d]) break;
                position[d] = 0;
            }
        }
    }
}
