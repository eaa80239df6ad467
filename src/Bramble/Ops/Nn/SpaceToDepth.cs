using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX SpaceToDepth for any element type: [N, C, H, W] → [N, C·b², H/b, W/b] (the inverse of DepthToSpace DCR). Reference kernel.</summary>
public sealed class SpaceToDepth(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        if (x.Length != 4) throw ctx.Error($"input must be 4-D [N, C, H, W], got {ShapeUtil.Format(x)}");
        if (ctx.InputType(0).Size() == 0) throw new UnsupportedOperatorException($"{Node.Describe()}: type {ctx.InputType(0).Name()} is not supported");
        int b = DepthToSpace.BlockSize(Node);
        if (x[2] % b != 0 || x[3] % b != 0) throw ctx.Error($"height {x[2]} and width {x[3]} must be divisible by blocksize {b}");
        ctx.SetOutput(0, ctx.InputType(0), [x[0], checked(x[1] * b * b), x[2] / b, x[3] / b]);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        Run(x.AsReadOnlySpan<byte>(), ctx.Output(0).AsSpan<byte>(), x.Shape, DepthToSpace.BlockSize(Node), x.Type.Size());
    }

    /// <summary>y[n, (i·b+j)·C + c, h, w] = x[n, c, h·b+i, w·b+j].</summary>
    public static void Run(ReadOnlySpan<byte> x, Span<byte> y, int[] xShape, int b, int elementSize)
    {
        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3], oh = h / b, ow = w / b, oc = c * b * b;
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int yi = 0; yi < h; yi++)
                    for (int xi = 0; xi < w; xi++)
                    {
                        int i = yi % b, j = xi % b;
                        long src = (((long)ni * c + ci) * h + yi) * w + xi;
                        long dst = (((long)ni * oc + (i * b + j) * c + ci) * oh + yi / b) * ow + xi / b;
                        x.Slice((int)(src * elementSize), elementSize).CopyTo(y.Slice((int)(dst * elementSize), elementSize));
                    }
    }
}
