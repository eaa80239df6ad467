using Bramble.Graph;
using Bramble.Kernels.Ops;
using Bramble.Ops.Elementwise;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Ops.Fused;

/// <summary>
/// ai.bramble:FusedConv: ONNX Conv (same inputs and attributes) followed by an activation (see
/// <see cref="FusedActivation"/>), optionally with a fourth input Z added before the activation
/// (Y = act(Conv(X, W, B) + Z), Z broadcast to the conv's output as by Add: a residual connection).
/// Made by the fuse-conv-add and fuse-conv-activation passes. The fast kernel applies bias, residual and
/// activation in its epilogue; the reference is the reference Conv, then the add, then the activation.
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

    private const int ResidualInput = 3;

    public override void InferOutputs(InferContext ctx)
    {
        _conv.InferOutputs(ctx);
        if (!ctx.HasInput(ResidualInput)) return;
        NnChecks.RequireFloat(ctx, ResidualInput, "Z");
        var y = _conv.Parameters!.OutputShape;
        var z = ctx.InputShape(ResidualInput);
        if (!Broadcasting.TryBroadcast(y, z, out var sum) || !ShapeUtil.SameShape(sum, y))
            throw ctx.Error($"residual Z {ShapeUtil.Format(z)} does not broadcast to the conv output {ShapeUtil.Format(y)}");
    }

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
        var y = ctx.Output(0);
        var z = ctx.OptionalInput(ResidualInput);
        bool fullResidual = z == null || ShapeUtil.SameShape(z.Shape, y.Shape);
        if (_fast != null && p != null && p.Batch == x.Shape[0] && Conv.SameSpatial(p.Window, x.Shape))
        {
            if (fullResidual)
            {
                _fast.Run(x, ctx.OptionalInput(2), z, y, ctx, _activation.Kind, _activation.Alpha, _activation.Beta);
                return;
            }
            _fast.Run(x, ctx.OptionalInput(2), y, ctx);
        }
        else _conv.Execute(ctx); // the inner Conv was never prepared, so this is its reference kernel
        // Z is read at the element the add writes (same shape) or broadcast from a smaller shape: in place is safe.
        if (z != null) Broadcasting.Binary<float, float, float, AddFloats>(y, z, y, default);
        _activation.ApplyInPlace(y);
    }

    private readonly struct AddFloats : IBinaryFn<float, float, float>
    {
        public float Apply(float a, float b) => a + b;
    }
}
