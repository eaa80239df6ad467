using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX ConvTranspose (groups, strides, dilations, pads, output_padding, output_shape, auto_pad). Reference kernel.</summary>
public sealed class ConvTranspose(Node node) : Operator(node)
{
    private ConvTransposeParameters? _params;

    public ConvTransposeParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        NnChecks.RequireFloat(ctx, 1, "W");
        if (ctx.HasInput(2)) NnChecks.RequireFloat(ctx, 2, "B");
        _params = Resolve(ctx);
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    private ConvTransposeParameters Resolve(InferContext ctx) =>
        ConvTransposeGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), ctx.HasInput(2) ? ctx.InputShape(2) : null);

    public override long CountMacs(InferContext ctx) => Resolve(ctx).Macs;

    private Kernels.Ops.FastConvTranspose? _fast;

    /// <summary>Chooses the GEMM + col2im kernel unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx)
    {
        _fast = _params == null ? null : Kernels.Ops.FastConvTranspose.TryCreate(_params, ctx.Options);
        if (_fast != null) ctx.RequestWorkspace(_fast.WorkspaceBytes);
    }

    public override string KernelName => _fast?.Name ?? "reference";

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var b = ctx.OptionalInput(2);
        var p = _params;
        if (p == null || p.Batch != x.Shape[0] || !Conv.SameSpatial(p.Window, x.Shape))
            p = ConvTransposeGeometry.Resolve(Node, x.Shape, w.Shape, b?.Shape);
        else if (_fast != null && ctx.WorkspaceBytes >= _fast.WorkspaceBytes)
        {
            unsafe { _fast.Run(x, w, b, ctx.Output(0), ctx.WorkspaceData, ctx.Pool); }
            return;
        }
        ConvTransposeReference.Run(p, x.AsReadOnlySpan<float>(), w.AsReadOnlySpan<float>(),
            b == null ? default : b.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }
}
