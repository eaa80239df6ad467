using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX GatherND: the last dimension k of indices addresses data's dims [b, b+k) (b = batch_dims);
/// output shape is indices.shape[:-1] + data.shape[b+k:].
/// </summary>
public sealed class GatherND(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        if (ctx.InputType(1) != DataType.Int64) throw ctx.Error($"indices must be int64, got {ctx.InputType(1).Name()}");
        int b = CheckShapes(ctx, Node, data, indices);
        int k = indices[^1];
        var output = new List<int>(indices[..^1]);
        output.AddRange(data[(b + k)..]);
        ctx.SetOutput(0, ctx.InputType(0), ShapeArgs.CheckSize(ctx, output.ToArray()));
    }

    /// <summary>Validates batch_dims and the index depth shared by GatherND and ScatterND; returns batch_dims.</summary>
    internal static int CheckShapes(InferContext ctx, Node node, int[] data, int[] indices)
    {
        long b = node.GetInt("batch_dims", 0);
        if (data.Length == 0 || indices.Length == 0) throw ctx.Error("data and indices must have rank ≥ 1");
        if (b < 0 || b >= Math.Min(data.Length, indices.Length)) throw ctx.Error($"batch_dims {b} is out of range");
        for (int d = 0; d < b; d++)
            if (data[d] != indices[d]) throw ctx.Error($"batch dimension {d} differs: data {ShapeUtil.Format(data)}, indices {ShapeUtil.Format(indices)}");
        int k = indices[^1];
        if (k < 1 || k > data.Length - b)
            throw ctx.Error($"indices last dimension {k} must be in [1, {data.Length - b}] for data {ShapeUtil.Format(data)}");
        return (int)b;
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        var y = ctx.Output(0);
        int size = x.Type.Size();
        int b = (int)Node.GetInt("batch_dims", 0);
        int k = indices.Shape[^1];
        long batches = ElementCopy.Product(x.Shape, 0, b);
        long tuples = ElementCopy.Product(indices.Shape, b, indices.Rank - 1);
        long slice = ElementCopy.Product(x.Shape, b + k, x.Rank) * size;
        long batchBytes = ElementCopy.Product(x.Shape, b, x.Rank) * size;
        long t = 0;
        for (long batch = 0; batch < batches; batch++)
            for (long j = 0; j < tuples; j++, t++)
            {
                long offset = batch * batchBytes + TupleOffset(Node, x.Shape, indices, t * k, b, k, slice);
                ElementCopy.Block(y.Data + t * slice, x.Data + offset, slice);
            }
    }

    /// <summary>Byte offset inside one batch of the slice addressed by indices[first .. first+k).</summary>
    internal static long TupleOffset(Node node, int[] data, Tensor indices, long first, int b, int k, long sliceBytes)
    {
        long offset = 0;
        for (int m = 0; m < k; m++)
            offset = offset * data[b + m] + ShapeArgs.Index(node, indices, first + m, data[b + m]);
        return offset * sliceBytes;
    }
}
