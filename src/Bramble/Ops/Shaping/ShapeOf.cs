using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Shape: the input's dimensions as int64 (opset 15: only dims [start, end), clamped). The value is
/// known at planning time, which lets Shape→Gather→Concat→Reshape chains fold into constants.
/// </summary>
public sealed class ShapeOf(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var shape = ctx.InputShape(0);
        var (start, end) = Range(shape.Length);
        var dims = new long[end - start];
        for (int i = start; i < end; i++) dims[i - start] = shape[i];
        ctx.SetOutputValue(0, Tensor.FromArray(dims, dims.Length));
    }

    private (int Start, int End) Range(int rank)
    {
        long start = Node.GetInt("start", 0), end = Node.GetInt("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.Clamp(start, 0, rank);
        end = Math.Clamp(end, 0, rank);
        return ((int)start, (int)Math.Max(start, end));
    }

    public override void Execute(ExecContext ctx)
    {
        var shape = ctx.Input(0).Shape;
        var (start, _) = Range(shape.Length);
        var y = ctx.Output(0).AsSpan<long>();
        for (int i = 0; i < y.Length; i++) y[i] = shape[start + i];
    }
}
