using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX MaxPool (kernel_shape, strides, pads, auto_pad, ceil_mode, dilations, storage_order, optional int64 Indices). Reference kernel.</summary>
public sealed class MaxPool(Node node) : Operator(node)
{
    private PoolParameters? _params;

    public PoolParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        var type = ctx.InputType(0);
        if (type is not (DataType.Float32 or DataType.Int8 or DataType.UInt8))
            throw new UnsupportedOperatorException($"{Node.Describe()}: X is {type.Name()}; only float32, int8 and uint8 are supported");
        long order = Node.GetInt("storage_order", 0);
        if (order is not (0 or 1)) throw ctx.Error($"storage_order {order} must be 0 or 1");
        _params = PoolGeometry.Resolve(Node, ctx.InputShape(0), allowDilations: true);
        ctx.SetOutput(0, type, NnChecks.CheckedShape(Node, _params.OutputShape));
        if (ctx.OutputCount > 1) ctx.SetOutput(1, DataType.Int64, _params.OutputShape);
    }

    private Kernels.Pool.FastPool? _fast;

    /// <summary>Chooses the SIMD kernel for float32 2-D pools unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Kernels.Pool.FastPool.TryCreate(Kernels.Pool.PoolKind.Max, _params, ctx.Shapes.InputType(0), ctx.Options);

    public override string KernelName => _fast?.Name ?? "reference";

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var p = _params;
        if (p == null || p.Batch != x.Shape[0] || !Conv.SameSpatial(p.Window, x.Shape))
            p = PoolGeometry.Resolve(Node, x.Shape, allowDilations: true);
        else if (_fast != null && !ctx.HasOutput(1) && x.Type == DataType.Float32)
        {
            _fast.Run(x, ctx.Output(0), ctx.Pool);
            return;
        }
        bool columnMajor = Node.GetInt("storage_order", 0) == 1;
        Span<long> indices = ctx.HasOutput(1) ? ctx.Output(1).AsSpan<long>() : default;
        var y = ctx.Output(0);
        switch (x.Type)
        {
            case DataType.Float32: PoolReference.Max(p, x.AsReadOnlySpan<float>(), y.AsSpan<float>(), indices, columnMajor); break;
            case DataType.Int8: PoolReference.Max(p, x.AsReadOnlySpan<sbyte>(), y.AsSpan<sbyte>(), indices, columnMajor); break;
            case DataType.UInt8: PoolReference.Max(p, x.AsReadOnlySpan<byte>(), y.AsSpan<byte>(), indices, columnMajor); break;
            default: throw new UnsupportedOperatorException($"{Node.Describe()}: X is {x.Type.Name()}");
        }
    }
}
