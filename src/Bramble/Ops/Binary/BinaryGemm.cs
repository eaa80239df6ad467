using Bramble.Graph;
using Bramble.Kernels.Binary;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Ops.Binary;

/// <summary>
/// ai.bramble:BinaryGemm(X [N, ⌈K/64⌉] packed, W [M, ⌈K/64⌉] packed, alpha [M], bias [M]?) → Y [N, M] float:
/// Y = act(alpha[m]·(K − 2·popcount(x XOR w[m])) + bias[m]), i.e. a fully connected layer over ±1 values
/// (ONNX Gemm with transB = 1). Attributes: channels (K, required), activation ("" or "Relu").
/// </summary>
public sealed class BinaryGemm(Node node) : Operator(node)
{
    private int _rows, _depth, _outputs;
    private BinaryConvKernel? _kernel;

    public BinaryActivation Activation => BinaryActivationNames.Parse(Node.GetString("activation", ""));

    public override void InferOutputs(InferContext ctx)
    {
        BinaryOps.RequirePacked(ctx, 0, "X");
        BinaryOps.RequirePacked(ctx, 1, "W");
        int[] x = ctx.InputShape(0), w = ctx.InputShape(1);
        if (x.Length != 2 || w.Length != 2)
            throw ctx.Error($"X {ShapeUtil.Format(x)} and W {ShapeUtil.Format(w)} must be rank 2 ([N, words] and [M, words])");
        if (x[1] != w[1]) throw ctx.Error($"X has {x[1]} packed words per row but W has {w[1]}");
        _depth = BinaryOps.Channels(ctx, x[1]);
        BinaryOps.RequirePerChannel(ctx, 2, "alpha", w[0]);
        if (ctx.HasInput(3)) BinaryOps.RequirePerChannel(ctx, 3, "bias", w[0]);
        _ = Activation;
        _rows = x[0];
        _outputs = w[0];
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, [x[0], w[0]]));
    }

    public override long CountMacs(InferContext ctx)
    {
        InferOutputs(ctx);
        return (long)_rows * _outputs * _depth;
    }

    public override unsafe void Prepare(PrepareContext ctx)
    {
        _kernel = null;
        var w = ctx.ConstantInput(1);
        var alpha = ctx.ConstantInput(2);
        if (ctx.Options.ReferenceKernels || w == null || alpha == null || _rows == 0 || !BinaryOps.ConstantOrAbsent(ctx, 3, out var bias)) return;
        _kernel = BinaryConvKernel.CreateGemm(_rows, _depth, _outputs, (ulong*)w.Data, BinaryOps.Floats(alpha), BinaryOps.Floats(bias), Activation, ctx.Options.MaxIsa);
    }

    public override string KernelName => _kernel == null ? "reference" : _kernel.Name.Replace("conv 1x1", "gemm");

    /// <summary>Bytes of the packed weights the prepared kernel holds (0 before Prepare).</summary>
    public long PackedWeightBytes => _kernel?.PackedWeightBytes ?? 0;

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        if (_kernel != null && x.Shape[0] == _rows)
        {
            _kernel.Run((ulong*)x.Data, (float*)y.Data, 1, null, ctx.Pool);
            return;
        }
        var w = ctx.Input(1);
        BinaryConvReference.Gemm(x.Shape[0], _depth, w.Shape[0], x.AsReadOnlySpan<ulong>(), w.AsReadOnlySpan<ulong>(), ctx.Input(2).AsReadOnlySpan<float>(),
            BinaryOps.Floats(ctx.OptionalInput(3)), Activation, y.AsSpan<float>());
    }
}
