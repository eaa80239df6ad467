using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX ConstantOfShape: a tensor of the given shape filled with the one-element "value" attribute (default float32 0).</summary>
public sealed class ConstantOfShape(Node node) : Operator(node)
{
    private readonly Tensor? _value = node.GetTensor("value");

    public override void InferOutputs(InferContext ctx)
    {
        var requested = ctx.RequireValue(0);
        ShapeArgs.RequireInteger(ctx, requested, 0);
        if (requested.Rank != 1) throw ctx.Error($"shape must be 1-D, got {ShapeUtil.Format(requested.Shape)}");
        if (_value != null && _value.Length != 1) throw ctx.Error($"value must hold one element, has {_value.Length}");
        var shape = new int[requested.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = ShapeArgs.Dim(Node, requested.GetInt64(i), "dimension");
        ctx.SetOutput(0, _value?.Type ?? DataType.Float32, ShapeArgs.CheckSize(ctx, shape));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var y = ctx.Output(0);
        if (_value == null)
        {
            // Arena memory is reused between steps, so the default zero must be written, not assumed.
            y.AsSpan<byte>().Clear();
            return;
        }
        int size = y.Type.Size();
        for (long i = 0; i < y.Length; i++) ElementCopy.One(y.Data + i * size, _value.Data, size);
    }
}
