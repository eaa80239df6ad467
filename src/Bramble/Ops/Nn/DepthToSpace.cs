using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX DepthToSpace (DCR and CRD modes) for any element type: [N, C, H, W] → [N, C/b², H·b, W·b]. Reference kernel.</summary>
public sealed class DepthToSpace(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        if (x.Length != 4) throw ctx.Error($"input must be 4-D [N, C, H, W], got {ShapeUtil.Format(x)}");
        if (ctx.InputType(0).Size() == 0) throw new UnsupportedOperatorException($"{Node.Describe()}: type {ctx.InputType(0).Name()} is not supported");
        int b = BlockSize(Node);
        if (x[1] % (b * b) != 0) throw ctx.Error($"channels {x[1]} are not divisible by blocksize² = {b * b}");
        string mode = Node.GetString("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw ctx.Error($"unknown mode '{mode}'");
        ctx.SetOutput(0, ctx.InputType(0), [x[0], x[1] / (b * b), x[2] * b, x[3] * b]);
    }

    internal static int BlockSize(Node node)
    {
        long b = node.GetInt("blocksize", 0);
        if (b <= 0 || b > 1 << 15) throw NnChecks.Error(node, $"blocksize {b} must be positive");
        return (int)b;
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        Run(x.AsReadOnlySpan<byte>(), ctx.Output(0).AsSpan<byte>(), x.Shape, BlockSize(Node), Node.GetString("mode", "DCR") == "CRD", x.Type.Size());
    }

    /// <summary>y[n, c, h·b+i, w·b+j] = x[n, DCR: (i·b+j)·C' + c | CRD: c·b² + i·b + j, h, w].</summary>
    public static void Run(ReadOnlySpan<byte> x, Span<byte> y, int[] xShape, int b, bool crd, int elementSize)
    {
        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3], oc = c / (b * b), oh = h * b, ow = w * b;
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < oc; ci++)
                for (int yi = 0; yi < oh; yi++)
                    for (int xi = 0; xi < ow; xi++)
                    {
                        int i = yi % b, j = xi % b;
                        int sc = crd ? ci * b * b + i * b + j : (i * b + j) * oc + ci;
                        long src = (((long)ni * c + sc) * h + yi / b) * w + xi / b;
                        long dst = (((long)ni * oc + ci) * oh + yi) * ow + xi;
                        x.Slice((int)(src * elementSize), elementSize).CopyTo(y.Slice((int)(dst * elementSize), elementSize));
                    }
    }
}
