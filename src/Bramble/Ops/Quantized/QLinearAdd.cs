using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops.Elementwise;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>
/// com.microsoft QLinearAdd: C = quantize(dequantize(A) + dequantize(B)) with numpy broadcasting, per-tensor
/// parameters, uint8 or int8 (all three of one type). The same class serves ai.bramble's form made by
/// <see cref="Passes.Quantization.FoldQdqAdd"/>, whose fused_min / fused_max clamp the output (a folded Relu or Clip).
/// </summary>
public sealed unsafe class QLinearAdd(Node node) : Operator(node)
{
    private bool _sameShapes, _fast;

    public override void InferOutputs(InferContext ctx)
    {
        var type = QuantParams.Require8Bit(ctx, 0, "A");
        if (ctx.InputType(3) != type) throw ctx.Error($"B is {ctx.InputType(3).Name()} but A is {type.Name()}");
        foreach (int i in (ReadOnlySpan<int>)[1, 4, 6])
        {
            QuantParams.RequireType(ctx, i, DataType.Float32, "scale");
            QuantParams.RequireScalar(ctx, i, "scale");
        }
        foreach (int i in (ReadOnlySpan<int>)[2, 5, 7])
        {
            QuantParams.RequireSameType(ctx, i, type, "zero point");
            QuantParams.RequireScalar(ctx, i, "zero point");
        }
        if (!Broadcasting.TryBroadcast(ctx.InputShape(0), ctx.InputShape(3), out var shape))
            throw ctx.Error($"A {ShapeUtil.Format(ctx.InputShape(0))} and B {ShapeUtil.Format(ctx.InputShape(3))} cannot be broadcast");
        ctx.SetOutput(0, type, shape);
        _sameShapes = ctx.InputShape(0).AsSpan().SequenceEqual(ctx.InputShape(3));
    }

    public override void Prepare(PrepareContext ctx) => _fast = _sameShapes && !ctx.Options.ReferenceKernels;

    /// <summary>Same-shape operands (residual connections) take the vectorised kernel; broadcasts the reference loop.</summary>
    public override string KernelName => _fast ? "int8 add" : "reference";

    public override void Execute(ExecContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(3);
        var c = ctx.Output(0);
        bool signed = c.Type == DataType.Int8;
        // ai.bramble's form (fold-qdq-add) may carry a folded Relu/Clip as fused_min/fused_max.
        var (lo, hi) = QLinearConv.OutputRange(Node, signed);
        var fn = new AddFn
        {
            AScale = QuantParams.Scale(ctx.Input(1), 0), AZp = QuantParams.ZeroPoint(ctx.OptionalInput(2), 0),
            BScale = QuantParams.Scale(ctx.Input(4), 0), BZp = QuantParams.ZeroPoint(ctx.OptionalInput(5), 0),
            CScale = QuantParams.Scale(ctx.Input(6), 0), CZp = QuantParams.ZeroPoint(ctx.OptionalInput(7), 0), Lo = lo, Hi = hi,
        };
        if (!ctx.Options.ReferenceKernels && a.Shape.AsSpan().SequenceEqual(b.Shape) && fn.CScale > 0 && float.IsFinite(fn.CScale))
        {
            // Same shapes (a residual connection): one vectorised pass, bit-identical with AddFn.
            new QuantizedAddKernel(fn.AScale, fn.AZp, fn.BScale, fn.BZp, fn.CScale, fn.CZp, lo, hi, signed)
                .Run(ctx.Options.EffectiveIsa, a.Data, b.Data, c.Data, c.Length);
            return;
        }
        if (signed) Broadcasting.Binary<sbyte, sbyte, sbyte, AddFn>(a, b, c, fn);
        else Broadcasting.Binary<byte, byte, byte, AddFn>(a, b, c, fn);
    }

    private struct AddFn : IBinaryFn<byte, byte, byte>, IBinaryFn<sbyte, sbyte, sbyte>
    {
        public float AScale, BScale, CScale;
        public int AZp, BZp, CZp, Lo, Hi;

        private readonly int Add(int a, int b) =>
            Requantize.Quantize(AScale * (a - AZp) + BScale * (b - BZp), CScale, CZp, Lo, Hi);

        public readonly byte Apply(byte a, byte b) => (byte)Add(a, b);
        public readonly sbyte Apply(sbyte a, sbyte b) => (sbyte)Add(a, b);
    }
}

/// <summary>
/// com.microsoft QLinearGlobalAveragePool: quantized mean over all spatial positions, NCHW or (channels_last=1) NHWC.
/// </summary>
public sealed unsafe class QLinearGlobalAveragePool(Node node) : Operator(node)
{
    private bool ChannelsLast => Node.GetInt("channels_last", 0) != 0;

    public override void InferOutputs(InferContext ctx)
    {
        var type = QuantParams.Require8Bit(ctx, 0, "X");
        QuantParams.RequireType(ctx, 1, DataType.Float32, "x_scale");
        QuantParams.RequireScalar(ctx, 1, "x_scale");
        QuantParams.RequireSameType(ctx, 2, type, "x_zero_point");
        QuantParams.RequireScalar(ctx, 2, "x_zero_point");
        QuantParams.RequireType(ctx, 3, DataType.Float32, "y_scale");
        QuantParams.RequireScalar(ctx, 3, "y_scale");
        QuantParams.RequireSameType(ctx, 4, type, "y_zero_point");
        QuantParams.RequireScalar(ctx, 4, "y_zero_point");
        var x = ctx.InputShape(0);
        if (x.Length < 3) throw ctx.Error($"X must have rank >= 3, got {ShapeUtil.Format(x)}");
        var y = new int[x.Length];
        Array.Fill(y, 1);
        y[0] = x[0];
        if (ChannelsLast) y[^1] = x[^1];
        else y[1] = x[1];
        ctx.SetOutput(0, type, y);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        bool signed = x.Type == DataType.Int8;
        var (lo, hi) = Requantize.Range(signed);
        int n = x.Shape[0], c = ChannelsLast ? x.Shape[^1] : x.Shape[1];
        long size = x.Length / Math.Max(1L, (long)n * c);
        int xZp = QuantParams.ZeroPoint(ctx.OptionalInput(2), 0), yZp = QuantParams.ZeroPoint(ctx.OptionalInput(4), 0);
        float xScale = QuantParams.Scale(ctx.Input(1), 0), yScale = QuantParams.Scale(ctx.Input(3), 0);
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                long sum = 0;
                for (long s = 0; s < size; s++)
                {
                    long i = ChannelsLast ? ((long)b * size + s) * c + ch : ((long)b * c + ch) * size + s;
                    sum += QuantParams.Load(x.Data, i, signed) - xZp;
                }
                float mean = size == 0 ? 0 : (float)sum / size * xScale;
                QuantParams.Store(y.Data, (long)b * c + ch, signed, Requantize.Quantize(mean, yScale, yZp, lo, hi));
            }
    }
}
