using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>Which reduction a global pool applies over all spatial positions.</summary>
public enum GlobalPoolKind { Average, Max, Lp }

/// <summary>ONNX GlobalAveragePool, GlobalMaxPool and GlobalLpPool: [N, C, spatial...] → [N, C, 1, ...]. Reference kernel.</summary>
public sealed class GlobalPool(Node node, GlobalPoolKind kind) : Operator(node)
{
    public GlobalPoolKind Kind { get; } = kind;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        var x = ctx.InputShape(0);
        if (x.Length < 3) throw ctx.Error($"input X must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        if (Kind == GlobalPoolKind.Lp) _ = LpPool.Power(Node);
        var y = new int[x.Length];
        Array.Fill(y, 1);
        y[0] = x[0];
        y[1] = x[1];
        ctx.SetOutput(0, DataType.Float32, y);
    }

    private bool _fast;

    /// <summary>GlobalAveragePool takes the SIMD kernel unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) => _fast = Kind == GlobalPoolKind.Average && !ctx.Options.ReferenceKernels;

    public override string KernelName => _fast ? "global-average-pool simd" : "reference";

    public override unsafe void Execute(ExecContext ctx)
    {
        var xt = ctx.Input(0);
        int planes = xt.Shape[0] * xt.Shape[1];
        int size = (int)NnChecks.Product(xt.Shape.AsSpan(2));
        if (_fast)
        {
            Kernels.Pool.GlobalAveragePoolKernel.Run((float*)xt.Data, (float*)ctx.Output(0).Data, planes, size, ctx.Pool, ctx.Options.MaxIsa);
            return;
        }
        float power = Kind == GlobalPoolKind.Lp ? LpPool.Power(Node) : 0;
        Run(Kind, xt.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(), planes, size, power);
    }

    /// <summary>Reduces each of <paramref name="planes"/> contiguous runs of <paramref name="size"/> values to one.</summary>
    public static void Run(GlobalPoolKind kind, ReadOnlySpan<float> x, Span<float> y, int planes, int size, float power)
    {
        for (int i = 0; i < planes; i++)
        {
            var plane = x.Slice(i * size, size);
            switch (kind)
            {
                case GlobalPoolKind.Average:
                    double sum = 0;
                    foreach (float v in plane) sum += v;
                    y[i] = size == 0 ? 0 : (float)(sum / size);
                    break;
                case GlobalPoolKind.Max:
                    float max = float.NegativeInfinity;
                    foreach (float v in plane) max = v > max ? v : max;
                    y[i] = max;
                    break;
                default:
                    double acc = 0;
                    foreach (float v in plane) acc += Math.Pow(Math.Abs(v), power);
                    y[i] = (float)Math.Pow(acc, 1.0 / power);
                    break;
            }
        }
    }
}
