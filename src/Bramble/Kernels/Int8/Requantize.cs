using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The one definition of integer → quantized conversion that every int8 kernel shares, so fast and
/// reference kernels are bit-exact: v = (float)acc · multiplier (float32 multiply), clamped in float to
/// [lo − zp, hi − zp], rounded half to even, plus zp. This is what ONNX Runtime's MLAS does, and it maps
/// 1:1 onto cvtdq2ps / mulps / maxps / minps / cvtps2dq.
/// </summary>
public static class Requantize
{
    /// <summary>Quantizes one accumulator; <paramref name="lo"/>..<paramref name="hi"/> is the output range (fused activation included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int One(int acc, float multiplier, int zeroPoint, int lo, int hi)
    {
        float v = (float)acc * multiplier;
        v = Math.Min(Math.Max(v, lo - zeroPoint), hi - zeroPoint);
        return (int)MathF.Round(v) + zeroPoint;
    }

    /// <summary>ONNX QuantizeLinear of one value: saturate(round_half_even(x / scale) + zp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Quantize(float x, float scale, int zeroPoint, int lo, int hi)
    {
        float q = MathF.Round(x / scale);
        // Clamp in float before converting so huge and infinite values saturate instead of wrapping.
        float v = q + zeroPoint;
        if (float.IsNaN(v)) return Math.Clamp(zeroPoint, lo, hi);
        if (v <= lo) return lo;
        if (v >= hi) return hi;
        return (int)v;
    }

    /// <summary>The float multiplier x_scale · w_scale / y_scale in float32, as ONNX Runtime computes it.</summary>
    public static float Multiplier(float xScale, float wScale, float yScale) => xScale * wScale / yScale;

    /// <summary>Range of an 8-bit quantized type.</summary>
    public static (int Lo, int Hi) Range(bool signed) => signed ? (-128, 127) : (0, 255);
}
