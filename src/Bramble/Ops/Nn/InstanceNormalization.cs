using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX InstanceNormalization: per (n, c), y = scale[c]·(x − mean)/√(var + ε) + B[c] over the spatial positions. Reference kernel.</summary>
public sealed class InstanceNormalization(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        for (int i = 0; i < 3; i++) NnChecks.RequireFloat(ctx, i, i == 0 ? "input" : i == 1 ? "scale" : "B");
        var x = ctx.InputShape(0);
        if (x.Length < 3) throw ctx.Error($"input must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        for (int i = 1; i < 3; i++)
            if (!ShapeUtil.SameShape(ctx.InputShape(i), [x[1]]))
                throw ctx.Error($"{(i == 1 ? "scale" : "B")} {ShapeUtil.Format(ctx.InputShape(i))} must be [{x[1]}] (one per channel)");
        ctx.SetOutput(0, DataType.Float32, x);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        Run(x.AsReadOnlySpan<float>(), ctx.Input(1).AsReadOnlySpan<float>(), ctx.Input(2).AsReadOnlySpan<float>(),
            ctx.Output(0).AsSpan<float>(), x.Shape[0], x.Shape[1], (int)NnChecks.Product(x.Shape.AsSpan(2)),
            Node.GetFloat("epsilon", 1e-5f));
    }

    /// <summary>Statistics in double so that the oracle is not limited by float summation error.</summary>
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> y,
        int n, int channels, int inner, float epsilon)
    {
        for (int plane = 0; plane < n * channels; plane++)
        {
            int c = plane % channels;
            var xs = x.Slice(plane * inner, inner);
            double sum = 0;
            foreach (float v in xs) sum += v;
            double mean = inner == 0 ? 0 : sum / inner;
            double sq = 0;
            foreach (float v in xs) sq += (v - mean) * (v - mean);
            double variance = inner == 0 ? 0 : sq / inner;
            double a = scale[c] / Math.Sqrt(variance + epsilon);
            var ys = y.Slice(plane * inner, inner);
            for (int i = 0; i < inner; i++) ys[i] = (float)((xs[i] - mean) * a + bias[c]);
        }
    }
}
