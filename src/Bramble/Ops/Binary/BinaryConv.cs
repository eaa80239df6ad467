using Bramble.Graph;
using Bramble.Kernels.Binary;
using Bramble.Ops.Nn;
using Bramble.Tensors;
using KernelGeometry = Bramble.Kernels.Conv.ConvGeometry;

namespace Bramble.Ops.Binary;

/// <summary>
/// ai.bramble:BinaryConv(X [N, H, W, ⌈C/64⌉] packed, W [M, KH, KW, ⌈C/64⌉] packed, alpha [M], bias [M]?) → Y [N, M, OH, OW] float.
/// Y = act(alpha[m]·Σ x·w + bias[m]) over ±1 values, with Σ x·w = n − 2·popcount(x XOR w). Attributes: channels (C, required),
/// strides, pads, dilations, auto_pad as in Conv; pad_value (0 = ONNX zero padding, the default; −1 or 1 = padding with that
/// value); activation ("" or "Relu").
/// </summary>
public sealed class BinaryConv(Node node) : Operator(node)
{
    private KernelGeometry _geometry;
    private int _batch;
    private BinaryConvKernel? _kernel;

    public int PadValue => (int)Node.GetInt("pad_value", 0);

    public BinaryActivation Activation => BinaryActivationNames.Parse(Node.GetString("activation", ""));

    public override void InferOutputs(InferContext ctx)
    {
        BinaryOps.RequirePacked(ctx, 0, "X");
        BinaryOps.RequirePacked(ctx, 1, "W");
        int[] x = ctx.InputShape(0), w = ctx.InputShape(1);
        if (x.Length != 4 || w.Length != 4)
            throw ctx.Error($"X {ShapeUtil.Format(x)} and W {ShapeUtil.Format(w)} must be rank 4 ([N, H, W, words] and [M, KH, KW, words])");
        if (x[3] != w[3]) throw ctx.Error($"X has {x[3]} packed words per pixel but W has {w[3]}");
        int c = BinaryOps.Channels(ctx, x[3]);
        BinaryOps.RequirePerChannel(ctx, 2, "alpha", w[0]);
        if (ctx.HasInput(3)) BinaryOps.RequirePerChannel(ctx, 3, "bias", w[0]);
        if (PadValue is < -1 or > 1) throw ctx.Error($"pad_value {PadValue} must be -1, 0 or 1");
        _ = Activation;
        var window = WindowGeometry.Resolve(Node, x.AsSpan(1, 2), w.AsSpan(1, 2), ceilMode: false);
        _geometry = new KernelGeometry(c, x[1], x[2], w[0], w[1], w[2])
        {
            StrideH = window.Stride[1], StrideW = window.Stride[2], DilationH = window.Dilation[1], DilationW = window.Dilation[2],
            PadTop = window.PadBegin[1], PadLeft = window.PadBegin[2], PadBottom = window.PadEnd[1], PadRight = window.PadEnd[2],
        };
        _batch = x[0];
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, [x[0], w[0], _geometry.OutHeight, _geometry.OutWidth]));
    }

    public override long CountMacs(InferContext ctx)
    {
        InferOutputs(ctx);
        return _batch * _geometry.Macs;
    }

    public override unsafe void Prepare(PrepareContext ctx)
    {
        _kernel = null;
        var w = ctx.ConstantInput(1);
        var alpha = ctx.ConstantInput(2);
        if (ctx.Options.ReferenceKernels || w == null || alpha == null || !BinaryOps.ConstantOrAbsent(ctx, 3, out var bias)) return;
        _kernel = BinaryConvKernel.Create(_geometry, (ulong*)w.Data, BinaryOps.Floats(alpha), BinaryOps.Floats(bias), Activation, PadValue, ctx.Options.MaxIsa);
        ctx.RequestWorkspace(_kernel.WorkspaceBytes);
    }

    public override string KernelName => _kernel?.Name ?? "reference";

    /// <summary>Bytes of the packed weights the prepared kernel holds (0 before Prepare).</summary>
    public long PackedWeightBytes => _kernel?.PackedWeightBytes ?? 0;

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        if (_kernel != null && x.Shape[0] == _batch && x.Shape[1] == _geometry.InHeight && x.Shape[2] == _geometry.InWidth
            && ctx.Workspace.Length >= _kernel.WorkspaceBytes)
        {
            _kernel.Run((ulong*)x.Data, (float*)y.Data, _batch, (ulong*)ctx.WorkspaceData, ctx.Pool);
            return;
        }
        BinaryConvReference.Run(_geometry, x.AsReadOnlySpan<ulong>(), ctx.Input(1).AsReadOnlySpan<ulong>(), ctx.Input(2).AsReadOnlySpan<float>(),
            BinaryOps.Floats(ctx.OptionalInput(3)), Activation, PadValue, x.Shape[0], y.AsSpan<float>());
    }
}
