using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX GatherElements: out[i..] = data[i.. with the <c>axis</c> coordinate replaced by indices[i..]];
/// indices has data's rank and the output has indices' shape.
/// </summary>
public sealed class GatherElements(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        if (!ShapeArgs.IsInteger(ctx.InputType(1))) throw ctx.Error($"indices must be integers, got {ctx.InputType(1).Name()}");
        CheckIndexShape(ctx, Node, data, indices, "indices");
        ctx.SetOutput(0, ctx.InputType(0), indices);
    }

    /// <summary>Indices (and updates, for scatter) must have data's rank and fit inside data off the axis.</summary>
    internal static void CheckIndexShape(InferContext ctx, Node node, int[] data, int[] indices, string what)
    {
        if (data.Length == 0) throw ctx.Error("data must have rank ≥ 1");
        if (indices.Length != data.Length)
            throw ctx.Error($"{what} rank {indices.Length} differs from data rank {data.Length}");
        int axis = ShapeArgs.Axis(node, node.GetInt("axis", 0), data.Length);
        for (int d = 0; d < data.Length; d++)
            if (d != axis && indices[d] > data[d])
                throw ctx.Error($"{what} shape {ShapeUtil.Format(indices)} exceeds data shape {ShapeUtil.Format(data)} on axis {d}");
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        var y = ctx.Output(0);
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
            ElementCopy.One(y.Data + i * size, x.Data + offset, size);
            Next(position, indices.Shape);
        }
    }

    /// <summary>Advances a row-major multi-index.</summary>
    internal static void Next(Span<int> position, int[] shape)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (++position[d] < shape[d]) return;
            position[d] = 0;
        }
    }
}
