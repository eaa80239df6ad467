using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>y = min(max(x, lo), hi), skipping an absent bound so ±infinity and NaN pass through unchanged.</summary>
public readonly struct ClipFn<T>(bool hasMin, T min, bool hasMax, T max) : IUnaryFn<T, T>
    where T : unmanaged, INumber<T>, IMinMaxValue<T>
{
    public T Apply(T x)
    {
        if (hasMin) x = T.Max(x, min);
        if (hasMax) x = T.Min(x, max);
        return x;
    }
}

/// <summary>
/// ONNX Clip. Opset &lt; 11: bounds are float attributes min/max. Opset ≥ 11: bounds are optional scalar
/// inputs 1 and 2 of the input's type (integers from opset 12).
/// </summary>
public sealed class Clip(Node node, long opset) : Operator(node)
{
    private bool BoundsAreInputs => opset >= 11;

    public override void InferOutputs(InferContext ctx)
    {
        var type = BoundsAreInputs
            ? TypeDispatch.RequireSame(ctx, 0, 3, TypeDispatch.IsNumeric)
            : TypeDispatch.Require(ctx, 0, TypeDispatch.IsFloat);
        if (BoundsAreInputs)
            for (int i = 1; i <= 2; i++)
                if (ctx.HasInput(i) && ShapeUtil.ElementCount(ctx.InputShape(i)) != 1)
                    throw ctx.Error($"bound input {i} must be a scalar, got shape {ShapeUtil.Format(ctx.InputShape(i))}");
        ctx.SetOutput(0, type, ctx.InputShape(0));
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        if (ctx.Input(0).Type == DataType.Float32 && !ctx.Options.ReferenceKernels)
        {
            // Absent bounds are infinite: x < -inf and x > +inf never hold, so x (and NaN) pass through.
            float lo = BoundsAreInputs ? (ctx.OptionalInput(1) is { } min ? *(float*)min.Data : float.NegativeInfinity) : Node.GetFloat("min", float.MinValue);
            float hi = BoundsAreInputs ? (ctx.OptionalInput(2) is { } max ? *(float*)max.Data : float.PositiveInfinity) : Node.GetFloat("max", float.MaxValue);
            if (Kernels.Ops.FastElementwiseOps.TryActivation(ctx, Kernels.Gemm.Activation.Clip, lo, hi)) return;
        }
        var kernel = new Kernel { Ctx = ctx, BoundsAreInputs = BoundsAreInputs, Node = Node };
        TypeDispatch.Numeric(ctx.Input(0).Type, ref kernel, Node);
    }

    private struct Kernel : INumericKernel
    {
        public ExecContext Ctx;
        public bool BoundsAreInputs;
        public Node Node;

        public readonly unsafe void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            bool hasMin, hasMax;
            T min = default, max = default;
            if (BoundsAreInputs)
            {
                hasMin = Ctx.OptionalInput(1) != null;
                hasMax = Ctx.OptionalInput(2) != null;
                if (hasMin) min = *(T*)Ctx.Input(1).Data;
                if (hasMax) max = *(T*)Ctx.Input(2).Data;
            }
            else
            {
                // Opset 6 defaults are float's lowest and largest values (so -inf still clips to lowest).
                hasMin = hasMax = true;
                min = T.CreateTruncating(Node.GetFloat("min", float.MinValue));
                max = T.CreateTruncating(Node.GetFloat("max", float.MaxValue));
            }
            Broadcasting.Map<T, T, ClipFn<T>>(Ctx.Input(0), Ctx.Output(0), new ClipFn<T>(hasMin, min, hasMax, max));
        }
    }
}

/// <summary>y = x &lt; 0 ? slope · x : x, with slope broadcast (unidirectionally) to x's shape.</summary>
public readonly struct PReluFn : INumericBinary
{
    public T Apply<T>(T x, T slope) where T : unmanaged, INumber<T>, IMinMaxValue<T> => x < T.Zero ? slope * x : x;
}

/// <summary>
/// ONNX PRelu: slope must broadcast (unidirectionally) to x's shape; the output has x's shape.
/// Before opset 7 a 1-D slope of x's channel count applies along axis 1 (legacy channel broadcast).
/// </summary>
public sealed class PRelu(Node node, long opset) : NumericBinaryOperator<PReluFn>(node, default)
{
    /// <summary>The shape the slope is read as: [C] becomes [C,1,…,1] under the legacy rule.</summary>
    private int[]? LegacySlopeShape(int[] x, int[] slope)
    {
        if (opset >= 7 || slope.Length != 1 || x.Length < 3 || slope[0] != x[1] || slope[0] == 1) return null;
        var shape = new int[x.Length - 1];
        Array.Fill(shape, 1);
        shape[0] = slope[0];
        return shape;
    }

    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        var slope = LegacySlopeShape(x, ctx.InputShape(1)) ?? ctx.InputShape(1);
        TypeDispatch.RequireSame(ctx, 0, 2, Supports);
        if (!Broadcasting.TryBroadcast(x, slope, out var shape) || !ShapeUtil.SameShape(shape, x))
            throw ctx.Error($"slope shape {ShapeUtil.Format(slope)} does not broadcast to input shape {ShapeUtil.Format(x)}");
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    public override void Execute(ExecContext ctx)
    {
        if (LegacySlopeShape(ctx.Input(0).Shape, ctx.Input(1).Shape) is not { } legacy)
        {
            base.Execute(ctx);
            return;
        }
        // Legacy models only: run on a reshaped view of the slope (one small view object per run).
        var saved = ctx.Inputs[1];
        ctx.Inputs[1] = saved!.Reshaped(legacy);
        try { base.Execute(ctx); }
        finally { ctx.Inputs[1] = saved; }
    }
}
