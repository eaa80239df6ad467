using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>Where a per-axis scale / zero point applies: element i uses parameter (i / Inner) % Count.</summary>
internal readonly record struct AxisLayout(int Count, long Inner)
{
    public long ParameterIndex(long i) => Count == 1 ? 0 : i / Inner % Count;

    /// <summary>Resolves the axis attribute (opset 13+) against the data shape and the scale's shape.</summary>
    public static AxisLayout Resolve(InferContext ctx, int dataInput, int scaleInput, int zpInput)
    {
        var x = ctx.InputShape(dataInput);
        var s = ctx.InputShape(scaleInput);
        if (ShapeUtil.ElementCount(s) == 1 && s.Length <= 1)
        {
            QuantParams.RequireScalar(ctx, zpInput, "zero point");
            return new AxisLayout(1, 1);
        }
        if (ctx.Opset < 13 && ctx.Node.Domain != OpRegistry.MicrosoftDomain) throw ctx.Error($"scale {ShapeUtil.Format(s)} must be a scalar before opset 13");
        if (s.Length != 1) throw ctx.Error($"scale must be a scalar or 1-D, got {ShapeUtil.Format(s)}");
        int axis;
        try { axis = ShapeUtil.NormalizeAxis(ctx.Node.GetInt("axis", 1), x.Length); }
        catch (ShapeException) { throw ctx.Error($"axis {ctx.Node.GetInt("axis", 1)} is out of range for input rank {x.Length}"); }
        if (x[axis] != s[0]) throw ctx.Error($"scale has {s[0]} values but axis {axis} of the input has {x[axis]}");
        if (ctx.HasInput(zpInput) && !ShapeUtil.SameShape(ctx.InputShape(zpInput), s))
            throw ctx.Error($"zero point {ShapeUtil.Format(ctx.InputShape(zpInput))} must have the scale's shape {ShapeUtil.Format(s)}");
        long inner = 1;
        for (int d = axis + 1; d < x.Length; d++) inner *= x[d];
        return new AxisLayout(s[0], inner);
    }
}

/// <summary>ONNX QuantizeLinear (opsets 10–18 semantics, uint8/int8): y = saturate(round(x / scale) + zp), per tensor or per axis.</summary>
public sealed unsafe class QuantizeLinear(Node node) : Operator(node)
{
    private AxisLayout _layout;

    public override void InferOutputs(InferContext ctx)
    {
        QuantParams.RequireType(ctx, 0, DataType.Float32, "x");
        QuantParams.RequireType(ctx, 1, DataType.Float32, "y_scale");
        var type = ctx.HasInput(2) ? QuantParams.Require8Bit(ctx, 2, "y_zero_point") : DataType.UInt8;
        _layout = AxisLayout.Resolve(ctx, 0, 1, 2);
        ctx.SetOutput(0, type, ctx.InputShape(0));
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0).AsReadOnlySpan<float>();
        var scale = ctx.Input(1);
        var zp = ctx.OptionalInput(2);
        var y = ctx.Output(0);
        bool signed = y.Type == DataType.Int8;
        var (lo, hi) = Requantize.Range(signed);
        var layout = _layout.Count == 1 || _layout.Count == scale.Length ? _layout : new AxisLayout(1, 1);
        if (layout.Count == 1 && !ctx.Options.ReferenceKernels)
        {
            fixed (float* px = x)
                QuantizeKernels.Quantize(ctx.Options.EffectiveIsa, px, x.Length, QuantParams.Scale(scale, 0), QuantParams.ZeroPoint(zp, 0), signed, y.Data);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            long p = layout.ParameterIndex(i);
            QuantParams.Store(y.Data, i, signed, Requantize.Quantize(x[i], QuantParams.Scale(scale, p), QuantParams.ZeroPoint(zp, p), lo, hi));
        }
    }
}

/// <summary>ONNX DequantizeLinear (uint8/int8/int32 data): y = (x − zp) · scale, per tensor or per axis.</summary>
public sealed unsafe class DequantizeLinear(Node node) : Operator(node)
{
    private AxisLayout _layout;

    public override void InferOutputs(InferContext ctx)
    {
        var type = ctx.InputType(0);
        if (!QuantParams.Is8Bit(type) && type != DataType.Int32)
            throw new UnsupportedOperatorException($"{Node.Describe()}: x is {type.Name()}; only uint8, int8 and int32 are supported");
        QuantParams.RequireType(ctx, 1, DataType.Float32, "x_scale");
        QuantParams.RequireSameType(ctx, 2, type, "x_zero_point");
        _layout = AxisLayout.Resolve(ctx, 0, 1, 2);
        ctx.SetOutput(0, DataType.Float32, ctx.InputShape(0));
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var scale = ctx.Input(1);
        var zp = ctx.OptionalInput(2);
        var y = ctx.Output(0).AsSpan<float>();
        var layout = _layout.Count == 1 || _layout.Count == scale.Length ? _layout : new AxisLayout(1, 1);
        if (layout.Count == 1 && !ctx.Options.ReferenceKernels && x.Type != DataType.Int32)
        {
            fixed (float* py = y)
                QuantizeKernels.Dequantize(ctx.Options.EffectiveIsa, x.Data, y.Length, QuantParams.Scale(scale, 0), QuantParams.ZeroPoint(zp, 0), x.Type == DataType.Int8, py);
            return;
        }
        for (int i = 0; i < y.Length; i++)
        {
            long p = layout.ParameterIndex(i);
            long v = x.GetInt64(i) - QuantParams.ZeroPoint(zp, p);
            y[i] = v * QuantParams.Scale(scale, p);
        }
    }
}

/// <summary>
/// ONNX DynamicQuantizeLinear: uint8 quantization with scale and zero point from the input's own range
/// (extended to include 0): scale = (max − min) / 255, zp = saturate(round(−min / scale)).
/// </summary>
public sealed unsafe class DynamicQuantizeLinear(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        QuantParams.RequireType(ctx, 0, DataType.Float32, "x");
        ctx.SetOutput(0, DataType.UInt8, ctx.InputShape(0));
        ctx.SetOutput(1, DataType.Float32, []);
        ctx.SetOutput(2, DataType.UInt8, []);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0).AsReadOnlySpan<float>();
        float min = 0, max = 0;
        foreach (float v in x)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float scale = (max - min) / 255f;
        // An all-zero input has no range: every value quantizes to 0 with zero point 0.
        int zp = scale == 0 ? 0 : Requantize.Quantize(-min, scale, 0, 0, 255);
        var y = ctx.Output(0);
        for (int i = 0; i < x.Length; i++)
            y.Data[i] = scale == 0 ? (byte)0 : (byte)Requantize.Quantize(x[i], scale, zp, 0, 255);
        if (ctx.HasOutput(1)) ctx.Output(1).AsSpan<float>()[0] = scale;
        if (ctx.HasOutput(2)) ctx.Output(2).Data[0] = (byte)zp;
    }
}
