using Bramble.Graph;
using Bramble.Kernels.Ops;
using Bramble.Ops.Nn;

namespace Bramble.Ops.Fused;

/// <summary>
/// ai.bramble:FusedGemm: ONNX Gemm (same inputs and attributes) followed by an activation. Made by the
/// fuse-gemm-activation pass; the fast kernel applies C (as a bias) and the activation in its epilogue.
/// </summary>
public sealed class FusedGemm : Operator
{
    private readonly Gemm _gemm;
    private readonly FusedActivation _activation;
    private FastGemm? _fast;

    public FusedGemm(Node node) : base(node)
    {
        _gemm = new Gemm(node);
        _activation = FusedActivation.FromNode(node);
    }

    public override void InferOutputs(InferContext ctx) => _gemm.InferOutputs(ctx);

    public override void Prepare(PrepareContext ctx) =>
        _fast = _gemm.Parameters == null || !_activation.EpilogueCanRun ? null
            : FastGemm.TryCreate(_gemm.Parameters, ctx.ConstantInput(1), ctx.Options);

    public override string KernelName => (_fast?.Name ?? "reference") + _activation.Suffix;

    /// <summary>The fast kernel packed a constant B (input 1) and never reads the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => index == 1 && _fast?.PackedB == true;

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    public override void Dispose()
    {
        _fast?.Dispose();
        _fast = null;
    }

    public override long CountMacs(InferContext ctx) => _gemm.CountMacs(ctx);

    public override void Execute(ExecContext ctx)
    {
        var p = _gemm.Parameters;
        if (_fast != null && p != null)
        {
            _fast.RunGemm(p, ctx.Input(0), ctx.Input(1), ctx.OptionalInput(2), ctx.Output(0), ctx.Pool,
                _activation.Kind, _activation.Alpha, _activation.Beta);
            return;
        }
        _gemm.Execute(ctx);
        _activation.ApplyInPlace(ctx.Output(0));
    }
}
