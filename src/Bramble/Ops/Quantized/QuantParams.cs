using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>Checks and reads of the scale / zero-point inputs shared by the quantized operators.</summary>
internal static unsafe class QuantParams
{
    public static bool Is8Bit(DataType t) => t is DataType.UInt8 or DataType.Int8;

    /// <summary>Throws unless input <paramref name="i"/> is uint8 or int8.</summary>
    public static DataType Require8Bit(InferContext ctx, int i, string what)
    {
        var t = ctx.InputType(i);
        if (!Is8Bit(t))
            throw new UnsupportedOperatorException($"{ctx.Node.Describe()}: {what} (input {i}) is {t.Name()}; only uint8 and int8 are supported");
        return t;
    }

    public static void RequireType(InferContext ctx, int i, DataType type, string what)
    {
        var t = ctx.InputType(i);
        if (t != type) throw ctx.Error($"{what} (input {i}) must be {type.Name()}, got {t.Name()}");
    }

    /// <summary>Checks that a scale or zero point is a scalar (or one-element tensor) — per-tensor quantization.</summary>
    public static void RequireScalar(InferContext ctx, int i, string what)
    {
        if (!ctx.HasInput(i)) return;
        if (ShapeUtil.ElementCount(ctx.InputShape(i)) != 1)
            throw ctx.Error($"{what} (input {i}) must be a scalar, got {ShapeUtil.Format(ctx.InputShape(i))}");
    }

    /// <summary>Checks that a parameter is a scalar or a 1-D tensor of <paramref name="count"/> values (per-axis).</summary>
    public static void RequireScalarOrVector(InferContext ctx, int i, int count, string what)
    {
        if (!ctx.HasInput(i)) return;
        var s = ctx.InputShape(i);
        if (ShapeUtil.ElementCount(s) == 1 && s.Length <= 1) return;
        if (s.Length != 1 || s[0] != count)
            throw ctx.Error($"{what} (input {i}) must be a scalar or have {count} values, got {ShapeUtil.Format(s)}");
    }

    /// <summary>Checks the zero point has the same element type as the quantized data it describes.</summary>
    public static void RequireSameType(InferContext ctx, int zp, DataType data, string what)
    {
        if (ctx.HasInput(zp) && ctx.InputType(zp) != data)
            throw ctx.Error($"{what} (input {zp}) is {ctx.InputType(zp).Name()} but the data it describes is {data.Name()}");
    }

    /// <summary>
    /// Checks the operands QLinearConv and QGemm share — x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
    /// y_zero_point: 8-bit data, float scales, zero points of their data's type, per-tensor activations — and returns
    /// y's type (uint8 when y_zero_point is absent). The callers check w_scale's and w_zero_point's counts.
    /// </summary>
    public static DataType RequireLinearOperands(InferContext ctx)
    {
        var xType = Require8Bit(ctx, 0, "x");
        RequireType(ctx, 1, DataType.Float32, "x_scale");
        RequireScalar(ctx, 1, "x_scale");
        RequireSameType(ctx, 2, xType, "x_zero_point");
        RequireScalar(ctx, 2, "x_zero_point");
        var wType = Require8Bit(ctx, 3, "w");
        RequireType(ctx, 4, DataType.Float32, "w_scale");
        RequireSameType(ctx, 5, wType, "w_zero_point");
        RequireType(ctx, 6, DataType.Float32, "y_scale");
        RequireScalar(ctx, 6, "y_scale");
        var yType = ctx.HasInput(7) ? Require8Bit(ctx, 7, "y_zero_point") : DataType.UInt8;
        RequireScalar(ctx, 7, "y_zero_point");
        return yType;
    }

    /// <summary>Element <paramref name="i"/> of an 8-bit tensor as int (uint8 or int8).</summary>
    public static int Load(byte* p, long i, bool signed) => signed ? ((sbyte*)p)[i] : p[i];

    /// <summary>Element <paramref name="i"/> of a per-tensor (length 1) or per-axis parameter, or 0 when absent.</summary>
    public static int ZeroPoint(Tensor? zp, long i) => zp == null ? 0 : (int)zp.GetInt64(zp.Length == 1 ? 0 : i);

    public static float Scale(Tensor scale, long i) => scale.AsReadOnlySpan<float>()[scale.Length == 1 ? 0 : (int)i];

    /// <summary>Writes an int result into an 8-bit output element.</summary>
    public static void Store(byte* p, long i, bool signed, int value)
    {
        if (signed) ((sbyte*)p)[i] = (sbyte)value;
        else p[i] = (byte)value;
    }
}
