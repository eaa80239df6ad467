using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX Conv (1-D to 3-D, groups, dilations, strides, pads, auto_pad, optional bias). Reference kernel.</summary>
public sealed class Conv(Node node) : Operator(node)
{
    private ConvParameters? _params;

    /// <summary>Geometry resolved by the last <see cref="InferOutputs"/>, for fast kernels chosen in Prepare.</summary>
    public ConvParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        NnChecks.RequireFloat(ctx, 1, "W");
        if (ctx.HasInput(2)) NnChecks.RequireFloat(ctx, 2, "B");
        _params = ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), ctx.HasInput(2) ? ctx.InputShape(2) : null);
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    private Kernels.Ops.FastConv? _fast;

    /// <summary>Packs constant weights for the fast kernel unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx)
    {
        _fast = _params == null ? null : Kernels.Ops.FastConv.TryCreate(_params, ctx.ConstantInput(1), ctx.Options);
        if (_fast != null) ctx.RequestWorkspace(_fast.WorkspaceBytes);
    }

    public override string KernelName => _fast?.Name ?? "reference";

    /// <summary>The fast kernel packed W (input 1) and never reads the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => index == 1 && _fast != null;

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    public override void Dispose()
    {
        _fast?.Dispose();
        _fast = null;
    }

    public override long CountMacs(InferContext ctx) =>
        ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), ctx.HasInput(2) ? ctx.InputShape(2) : null).Macs;

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var b = ctx.OptionalInput(2);
        var p = _params;
        // Shapes only change if the operator is reused without re-inference; resolve again then.
        if (p == null || p.Batch != x.Shape[0] || !SameSpatial(p.Window, x.Shape))
            p = ConvGeometry.Resolve(Node, x.Shape, w.Shape, b?.Shape);
        else if (_fast != null)
        {
            _fast.Run(x, b, ctx.Output(0), ctx);
            return;
        }
        ConvReference.Run(p, x.AsReadOnlySpan<float>(), w.AsReadOnlySpan<float>(),
            b == null ? default : b.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }

    internal static bool SameSpatial(SlidingWindow window, int[] shape)
    {
        int r = shape.Length - 2, off = SlidingWindow.Dims - r;
        if (r != window.SpatialRank) return false;
        for (int i = 0; i < r; i++)
            if (window.Input[off + i] != shape[2 + i]) return false;
        return true;
    }
}
