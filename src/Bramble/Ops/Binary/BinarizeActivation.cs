using Bramble.Graph;
using Bramble.Kernels.Binary;
using Bramble.Tensors;

namespace Bramble.Ops.Binary;

/// <summary>
/// ai.bramble:BinarizeActivation(X [N, C, s…] float, thresholds [C]?, signs [C]?) → Y [N, s…, ⌈C/64⌉] uint64:
/// channel c is +1 (bit 1) when signs[c]·X ≥ signs[c]·thresholds[c], else −1 (bit 0). It is ONNX's
/// Sign(X − thresholds) with Sign(0) taken as +1; signs of −1 come from a folded BatchNormalization with γ &lt; 0.
/// </summary>
public sealed class BinarizeActivation(Node node) : Operator(node)
{
    private BinarizeKernel? _kernel;

    public override void InferOutputs(InferContext ctx)
    {
        if (ctx.InputType(0) != DataType.Float32)
            throw new UnsupportedOperatorException($"{Node.Describe()}: X is {ctx.InputType(0).Name()}; only float32 is supported");
        var x = ctx.InputShape(0);
        if (x.Length < 2) throw ctx.Error($"X must have rank >= 2 ([N, C, …]), got {ShapeUtil.Format(x)}");
        for (int i = 1; i <= 2; i++)
            if (ctx.HasInput(i) && (ctx.InputType(i) != DataType.Float32 || ShapeUtil.ElementCount(ctx.InputShape(i)) != x[1]))
                throw ctx.Error($"input {i} must be float32 with {x[1]} values (one per channel), got {ctx.InputType(i).Name()}{ShapeUtil.Format(ctx.InputShape(i))}");
        ctx.SetOutput(0, DataType.UInt64, BitPacked.ActivationShape(x));
    }

    public override void Prepare(PrepareContext ctx)
    {
        var t = BinaryOps.ConstantOrAbsent(ctx, 1, out var thresholds);
        var s = BinaryOps.ConstantOrAbsent(ctx, 2, out var signs);
        _kernel = ctx.Options.ReferenceKernels || !t || !s ? null
            : new BinarizeKernel(ctx.Shapes.InputShape(0)[1], BinaryOps.Floats(thresholds), BinaryOps.Floats(signs), ctx.Options.MaxIsa);
    }

    public override string KernelName => _kernel == null ? "reference" : $"binarize {_kernel.Isa}";

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        if (_kernel != null && x.Rank >= 2)
        {
            _kernel.Run((float*)x.Data, (ulong*)y.Data, x.Shape[0], checked((int)(x.Length / Math.Max(1, (long)x.Shape[0] * x.Shape[1]))), ctx.Pool);
            return;
        }
        BitPacked.Pack(x.AsReadOnlySpan<float>(), x.Shape, BinaryOps.Floats(ctx.OptionalInput(1)), BinaryOps.Floats(ctx.OptionalInput(2)), y.AsSpan<ulong>());
    }


}
