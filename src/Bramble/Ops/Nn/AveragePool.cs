using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX AveragePool (count_include_pad, ceil_mode, auto_pad; dilations as in opset 19). Reference kernel.</summary>
public sealed class AveragePool(Node node) : Operator(node)
{
    private PoolParameters? _params;

    public PoolParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        _params = PoolGeometry.Resolve(Node, ctx.InputShape(0), allowDilations: true);
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    private Kernels.Pool.FastPool? _fast;

    /// <summary>Chooses the SIMD kernel for 2-D pools unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Kernels.Pool.FastPool.TryCreate(
            Node.GetInt("count_include_pad", 0) != 0 ? Kernels.Pool.PoolKind.AverageIncludePad : Kernels.Pool.PoolKind.Average,
            _params, DataType.Float32, ctx.Options);

    public override string KernelName => _fast?.Name ?? "reference";

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var p = _params;
        if (p == null || p.Batch != x.Shape[0] || !Conv.SameSpatial(p.Window, x.Shape))
            p = PoolGeometry.Resolve(Node, x.Shape, allowDilations: true);
        else if (_fast != null)
        {
            _fast.Run(x, ctx.Output(0), ctx.Pool);
            return;
        }
        PoolReference.Average(p, x.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(), Node.GetInt("count_include_pad", 0) != 0);
    }
}
