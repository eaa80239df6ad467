using Bramble.Graph;
using Bramble.Kernels.Ops;
using Bramble.Ops.Nn;

namespace Bramble.Ops.Fused;

/// <summary>
/// ai.bramble:FusedConv: ONNX Conv (same inputs and attributes) followed by an activation (see
/// <see cref="FusedActivation"/>). Made by the fuse-conv-activation pass. The fast kernel applies bias
/// and activation in its epilogue; the reference is the reference Conv, then the activation.
/// </summary>
public sealed class FusedConv : Operator
{
    private readonly Conv _conv;
    private readonly FusedActivation _activation;
    private FastConv? _fast;

    public FusedConv(Node node) : base(node)
    {
        _conv = new Conv(node);
        _activation = FusedActivation.FromNode(node);
    }

    public override void InferOutputs(InferContext ctx) => _conv.InferOutputs(ctx);

    public override void Prepare(PrepareContext ctx)
    {
        _fast = _conv.Parameters == null || !_activation.EpilogueCanRun ? null
            : FastConv.TryCreate(_conv.Parameters, ctx.ConstantInput(1), ctx.Options);
        if (_fast != null) ctx.RequestWorkspace(_fast.WorkspaceBytes);
    }

    public override string KernelName => (_fast?.Name ?? "reference") + _activation.Suffix;

    /// <summary>The fast kernel packed W (input 1) and never reads the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => index == 1 && _fast != null;

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    public override void Dispose()
    {
        _fast?.Dispose();
        _fast = null;
    }

    public override long CountMacs(InferContext ctx) => _conv.CountMacs(ctx);

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var p = _conv.Parameters;
        if (_fast != null && p != null && p.Batch == x.Shape[0] && Conv.SameSpatial(p.Window, x.Shape))
        {
            _fast.Run(x, ctx.OptionalInput(2), ctx.Output(0), ctx, _activation.Kind, _activation.Alpha, _activation.Beta);
            return;
        }
        // The inner Conv was never prepared, so this is its reference kernel.
        _conv.Execute(ctx);
        _activation.ApplyInPlace(ctx.Output(0));
    }
}
