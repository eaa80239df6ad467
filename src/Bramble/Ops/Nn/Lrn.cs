using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// ONNX LRN across channels: y = x / (bias + α/size · Σ x²)^β, the sum over channels
/// [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to the valid range. Reference kernel.
/// </summary>
public sealed class Lrn(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        var x = ctx.InputShape(0);
        if (x.Length < 3) throw ctx.Error($"input X must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        long size = Node.GetInt("size", 0);
        if (size <= 0) throw ctx.Error($"attribute 'size' must be positive (got {size})");
        ctx.SetOutput(0, DataType.Float32, x);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        Run(x.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(), x.Shape[0], x.Shape[1], (int)NnChecks.Product(x.Shape.AsSpan(2)),
            (int)Node.GetInt("size", 1), Node.GetFloat("alpha", 1e-4f), Node.GetFloat("beta", 0.75f), Node.GetFloat("bias", 1f));
    }

    public static void Run(ReadOnlySpan<float> x, Span<float> y, int n, int channels, int inner, int size, float alpha, float beta, float bias)
    {
        int before = (size - 1) / 2, after = size - 1 - before;
        for (int b = 0; b < n; b++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++)
                {
                    double sum = 0;
                    for (int cc = Math.Max(0, c - before); cc <= Math.Min(channels - 1, c + after); cc++)
                    {
                        float v = x[(b * channels + cc) * inner + i];
                        sum += (double)v * v;
                    }
                    int at = (b * channels + c) * inner + i;
                    y[at] = (float)(x[at] / Math.Pow(bias + alpha / size * sum, beta));
                }
    }
}
