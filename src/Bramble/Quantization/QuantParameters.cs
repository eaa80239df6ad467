using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>Scale / zero-point arithmetic of affine quantization (q = round(x / scale) + zp).</summary>
public static class QuantParameters
{
    /// <summary>Asymmetric activation parameters covering [lo, hi] (which contains 0) with <paramref name="bits"/> bits.</summary>
    public static (float Scale, int ZeroPoint) Activation(float lo, float hi, bool signed, int bits = 8)
    {
        int qmin = signed ? -(1 << (bits - 1)) : 0, qmax = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        lo = Math.Min(lo, 0);
        hi = Math.Max(hi, 0);
        float scale = (hi - lo) / (qmax - qmin);
        // A constant-zero tensor still needs a valid (positive) scale.
        if (!(scale > 0) || !float.IsFinite(scale)) return (1f, signed ? 0 : qmin);
        int zp = (int)Math.Clamp(MathF.Round(qmin - lo / scale), qmin, qmax);
        return (scale, zp);
    }

    /// <summary>Symmetric weight scales (zero point 0, range ±(2^(bits−1) − 1)), one per slice along <paramref name="axis"/> or one for all.</summary>
    public static float[] WeightScales(Tensor w, int axis, bool perChannel, int bits = 8)
    {
        int qmax = (1 << (bits - 1)) - 1;
        var data = w.AsReadOnlySpan<float>();
        int channels = perChannel ? w.Shape[axis] : 1;
        long inner = 1;
        for (int d = axis + 1; d < w.Rank; d++) inner *= w.Shape[d];
        var max = new float[channels];
        for (int i = 0; i < data.Length; i++)
        {
            int c = perChannel ? (int)(i / inner % channels) : 0;
            max[c] = Math.Max(max[c], Math.Abs(data[i]));
        }
        var scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = max[c] > 0 ? max[c] / qmax : 1f;
        return scales;
    }

    /// <summary>The weights quantized with <paramref name="scales"/> (int8 values clamped to ±qmax) and the relative L2 error of their dequantization.</summary>
    public static (sbyte[] Values, double RelativeError) QuantizeWeights(Tensor w, int axis, float[] scales, int bits = 8)
    {
        int qmax = (1 << (bits - 1)) - 1;
        var data = w.AsReadOnlySpan<float>();
        long inner = 1;
        for (int d = axis + 1; d < w.Rank; d++) inner *= w.Shape[d];
        int channels = scales.Length;
        var q = new sbyte[data.Length];
        double err = 0, norm = 0;
        for (int i = 0; i < data.Length; i++)
        {
            float s = scales[channels == 1 ? 0 : (int)(i / inner % channels)];
            int v = (int)Math.Clamp(MathF.Round(data[i] / s), -qmax, qmax);
            q[i] = (sbyte)v;
            double diff = data[i] - v * s;
            err += diff * diff;
            norm += (double)data[i] * data[i];
        }
        return (q, norm > 0 ? Math.Sqrt(err / norm) : 0);
    }
}
