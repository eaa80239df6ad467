using Bramble.Graph;
using Bramble.Ops;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The constant operands a fast integer linear kernel is built from, in the input order QLinearConv, QGemm and
/// QLinearMatMul share (x 0, x_scale 1, x_zero_point 2, w 3, w_scale 4, w_zero_point 5, y_scale 6, y_zero_point 7,
/// then an optional int32 bias), with the output range after any fused activation.
/// </summary>
internal sealed record LinearConstants(Tensor W, bool XSigned, int XZp, float XScale, Tensor WScale, Tensor? WZp,
    float YScale, int YZp, bool YSigned, int Lo, int Hi, Tensor? Bias)
{
    /// <summary>
    /// The operands of <paramref name="node"/> (bias at <paramref name="biasInput"/>, −1 for none), or null when only
    /// the reference applies: reference kernels requested, or weights, a scale, a zero point or the bias given at run time.
    /// </summary>
    public static LinearConstants? Gather(Node node, PrepareContext ctx, int biasInput)
    {
        if (ctx.Options.ReferenceKernels) return null;
        var w = ctx.ConstantInput(3);
        var xs = ctx.ConstantInput(1);
        var ws = ctx.ConstantInput(4);
        var ys = ctx.ConstantInput(6);
        if (w == null || xs == null || ws == null || ys == null) return null;
        var xzp = ctx.ConstantInput(2);
        var wzp = ctx.ConstantInput(5);
        var yzp = ctx.ConstantInput(7);
        var b = biasInput >= 0 ? ctx.ConstantInput(biasInput) : null;
        if ((ctx.Shapes.HasInput(2) && xzp == null) || (ctx.Shapes.HasInput(5) && wzp == null) || (ctx.Shapes.HasInput(7) && yzp == null)
            || (biasInput >= 0 && ctx.Shapes.HasInput(biasInput) && b == null)) return null;
        bool ySigned = ctx.Shapes.OutputTypes[0] == DataType.Int8;
        var (lo, hi) = QLinearConv.OutputRange(node, ySigned);
        return new LinearConstants(w, ctx.Shapes.InputType(0) == DataType.Int8, QuantParams.ZeroPoint(xzp, 0), QuantParams.Scale(xs, 0),
            ws, wzp, QuantParams.Scale(ys, 0), QuantParams.ZeroPoint(yzp, 0), ySigned, lo, hi, b);
    }
}
