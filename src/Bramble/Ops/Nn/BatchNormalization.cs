using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// ONNX BatchNormalization with inference semantics: y = scale·(x − mean)/√(var + ε) + B per channel.
/// Opsets 7–8 also allow spatial=0, where the statistics have shape X.shape[1:] (one per channel and position).
/// Opset 14+ training_mode=1 normalizes with the batch's own statistics and outputs the updated running
/// statistics (input·momentum + batch·(1 − momentum)); the optional statistics outputs of opsets before 14
/// are produced as the unchanged input statistics, which is what inference leaves them at.
/// </summary>
public sealed class BatchNormalization(Node node, long opset) : Operator(node)
{
    private bool PerActivation => opset < 9 && Node.GetInt("spatial", 1) == 0;

    private bool Training => opset >= 14 && Node.GetInt("training_mode", 0) != 0;

    public override void InferOutputs(InferContext ctx)
    {
        for (int i = 0; i < 5; i++) NnChecks.RequireFloat(ctx, i, StatName(i));
        var x = ctx.InputShape(0);
        if (x.Length < 2) throw ctx.Error($"input X must have rank >= 2, got {ShapeUtil.Format(x)}");
        int[] expected = PerActivation ? x[1..] : [x[1]];
        for (int i = 1; i < 5; i++)
            if (!ShapeUtil.SameShape(ctx.InputShape(i), expected))
                throw ctx.Error($"{StatName(i)} {ShapeUtil.Format(ctx.InputShape(i))} must be {ShapeUtil.Format(expected)} for X {ShapeUtil.Format(x)}");
        ctx.SetOutput(0, DataType.Float32, x);
        // Opset < 14: outputs 1..4 are mean, var, saved_mean, saved_var; opset 14+: running_mean, running_var.
        for (int o = 1; o < ctx.OutputCount; o++)
        {
            if (Node.Outputs[o].Length == 0) continue;
            if (o > 2)
                throw new UnsupportedOperatorException($"{Node.Describe()}: output {o} (saved batch statistics) is not supported");
            if (opset >= 14 && !Training)
                throw ctx.Error($"output {o} (running statistics) exists only with training_mode=1");
            ctx.SetOutput(o, DataType.Float32, expected);
        }
    }

    private static string StatName(int i) => i switch { 0 => "X", 1 => "scale", 2 => "B", 3 => "mean", _ => "var" };

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        int n = x.Shape[0];
        int channels = PerActivation ? (int)NnChecks.Product(x.Shape.AsSpan(1)) : x.Shape[1];
        int inner = PerActivation ? 1 : (int)NnChecks.Product(x.Shape.AsSpan(2));
        float epsilon = Node.GetFloat("epsilon", 1e-5f);
        if (Training)
        {
            RunTraining(x.AsReadOnlySpan<float>(), ctx.Input(1).AsReadOnlySpan<float>(), ctx.Input(2).AsReadOnlySpan<float>(),
                ctx.Input(3).AsReadOnlySpan<float>(), ctx.Input(4).AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(),
                ctx.HasOutput(1) ? ctx.Output(1).AsSpan<float>() : default, ctx.HasOutput(2) ? ctx.Output(2).AsSpan<float>() : default,
                n, channels, inner, epsilon, Node.GetFloat("momentum", 0.9f));
            return;
        }
        Run(x.AsReadOnlySpan<float>(), ctx.Input(1).AsReadOnlySpan<float>(), ctx.Input(2).AsReadOnlySpan<float>(),
            ctx.Input(3).AsReadOnlySpan<float>(), ctx.Input(4).AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(),
            n, channels, inner, epsilon);
        if (ctx.HasOutput(1)) ctx.Output(1).CopyFrom(ctx.Input(3));
        if (ctx.HasOutput(2)) ctx.Output(2).CopyFrom(ctx.Input(4));
    }

    /// <summary>Normalizes [n, channels, inner] with per-channel statistics.</summary>
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> y, int n, int channels, int inner, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float a = scale[c] / MathF.Sqrt(variance[c] + epsilon);
            float b = bias[c] - mean[c] * a;
            for (int b0 = 0; b0 < n; b0++)
            {
                int start = (b0 * channels + c) * inner;
                for (int i = start; i < start + inner; i++) y[i] = x[i] * a + b;
            }
        }
    }

    /// <summary>
    /// Training mode: each channel is normalized with its batch mean and population variance over N and the
    /// spatial positions; running statistics (when requested) blend the inputs with the batch's by momentum.
    /// </summary>
    public static void RunTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> y, Span<float> runningMean, Span<float> runningVar,
        int n, int channels, int inner, float epsilon, float momentum)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, count = (double)n * inner;
            for (int b = 0; b < n; b++)
                foreach (float v in x.Slice((b * channels + c) * inner, inner)) sum += v;
            double batchMean = count == 0 ? 0 : sum / count, sq = 0;
            for (int b = 0; b < n; b++)
                foreach (float v in x.Slice((b * channels + c) * inner, inner)) sq += (v - batchMean) * (v - batchMean);
            double batchVar = count == 0 ? 0 : sq / count;
            double a = scale[c] / Math.Sqrt(batchVar + epsilon);
            for (int b = 0; b < n; b++)
            {
                int start = (b * channels + c) * inner;
                for (int i = start; i < start + inner; i++) y[i] = (float)((x[i] - batchMean) * a + bias[c]);
            }
            if (!runningMean.IsEmpty) runningMean[c] = (float)(mean[c] * momentum + batchMean * (1 - momentum));
            if (!runningVar.IsEmpty) runningVar[c] = (float)(variance[c] * momentum + batchVar * (1 - momentum));
        }
    }
}
