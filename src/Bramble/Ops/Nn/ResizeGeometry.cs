using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

public enum ResizeMode { Nearest, Linear, Cubic }

/// <summary>
/// How Resize/Upsample map output coordinates to input coordinates and interpolate.
/// NearestMode "simple" is the rule of Upsample and Resize-10 (no nearest_mode attribute): floor when
/// upsampling, ceil when downsampling, as ONNX Runtime does for those versions.
/// </summary>
public sealed record ResizeSettings(ResizeMode Mode, string CoordinateMode, string NearestMode, double CubicA, bool ExcludeOutside, float ExtrapolationValue);

/// <summary>
/// A resize reduced to per-dimension tap tables: output index o of dimension d reads input indices
/// TapIndex[d][TapStart[d][o] .. TapStart[d][o+1]) with weights TapWeight[d][...]; the output value is
/// the tensor product over dimensions. Outside[d][o] marks tf_crop_and_resize samples outside the input.
/// </summary>
public sealed class ResizeParameters
{
    public required int[] InputShape { get; init; }
    public required int[] OutputShape { get; init; }
    public required int[][] TapStart { get; init; }
    public required int[][] TapIndex { get; init; }
    public required double[][] TapWeight { get; init; }
    public required bool[][] Outside { get; init; }
    public required float ExtrapolationValue { get; init; }
}

/// <summary>Builds <see cref="ResizeParameters"/> with ONNX's coordinate transforms, nearest rounding and cubic kernel.</summary>
public static class ResizeGeometry
{
    /// <summary>Output dims from scales: floor(in · scale) (times the roi extent for tf_crop_and_resize).</summary>
    public static int[] OutputFromScales(Node node, int[] input, double[] scales, double[]? roi, string coordinateMode)
    {
        if (scales.Length != input.Length)
            throw NnChecks.Error(node, $"scales has {scales.Length} values but the input {ShapeUtil.Format(input)} has rank {input.Length}");
        var output = new int[input.Length];
        for (int d = 0; d < input.Length; d++)
        {
            if (!(scales[d] > 0)) throw NnChecks.Error(node, $"scale {scales[d]} for dimension {d} must be positive");
            double extent = coordinateMode == "tf_crop_and_resize" && roi != null ? roi[d + input.Length] - roi[d] : 1.0;
            double size = Math.Floor(input[d] * extent * scales[d]);
            if (size < 0 || size > 1 << 28) throw NnChecks.Error(node, $"output size {size} for dimension {d} is out of range");
            output[d] = (int)size;
        }
        return output;
    }

    /// <summary>Tap tables for resizing <paramref name="input"/> to <paramref name="output"/> with the given per-dimension scales.</summary>
    public static ResizeParameters Build(Node node, ResizeSettings s, int[] input, int[] output, double[] scales, double[]? roi)
    {
        int rank = input.Length;
        NnChecks.CheckedShape(node, output);
        if (roi != null && roi.Length != 2 * rank && s.CoordinateMode == "tf_crop_and_resize")
            throw NnChecks.Error(node, $"roi has {roi.Length} values, expected {2 * rank} (starts then ends)");
        var p = new ResizeParameters
        {
            InputShape = input, OutputShape = output,
            TapStart = new int[rank][], TapIndex = new int[rank][], TapWeight = new double[rank][], Outside = new bool[rank][],
            ExtrapolationValue = s.ExtrapolationValue,
        };
        var index = new List<int>();
        var weight = new List<double>();
        for (int d = 0; d < rank; d++)
        {
            int inLen = input[d], outLen = output[d];
            if (inLen == 0 && outLen > 0) throw NnChecks.Error(node, $"cannot resize empty dimension {d} to {outLen}");
            index.Clear();
            weight.Clear();
            p.TapStart[d] = new int[outLen + 1];
            p.Outside[d] = new bool[outLen];
            double roiStart = roi != null && roi.Length == 2 * rank ? roi[d] : 0, roiEnd = roi != null && roi.Length == 2 * rank ? roi[d + rank] : 1;
            for (int o = 0; o < outLen; o++)
            {
                p.TapStart[d][o] = index.Count;
                double x = Transform(s.CoordinateMode, o, scales[d], inLen, outLen, roiStart, roiEnd);
                if (s.CoordinateMode == "tf_crop_and_resize" && (x < 0 || x > inLen - 1))
                {
                    p.Outside[d][o] = true;
                    continue;
                }
                AddTaps(s, x, scales[d], inLen, index, weight);
            }
            p.TapStart[d][outLen] = index.Count;
            p.TapIndex[d] = index.ToArray();
            p.TapWeight[d] = weight.ToArray();
        }
        return p;
    }

    /// <summary>
    /// The input coordinate of output index <paramref name="o"/> (ONNX coordinate_transformation_mode). As in
    /// ONNX's reference and ONNX Runtime, the resized length is in·scale before flooring, so align_corners with a
    /// scale that does not give a whole size differs from (in−1)/(out−1).
    /// </summary>
    public static double Transform(string mode, int o, double scale, int inLen, int outLen, double roiStart, double roiEnd)
    {
        double resized = inLen * scale;
        return mode switch
        {
            "half_pixel" => (o + 0.5) / scale - 0.5,
            "pytorch_half_pixel" => resized > 1 ? (o + 0.5) / scale - 0.5 : 0,
            "align_corners" => resized == 1 ? 0 : o * (double)(inLen - 1) / (resized - 1),
            "asymmetric" => o / scale,
            "tf_half_pixel_for_nn" => (o + 0.5) / scale,
            "tf_crop_and_resize" => resized > 1
                ? roiStart * (inLen - 1) + o * (roiEnd - roiStart) * (inLen - 1) / (resized - 1)
                : 0.5 * (roiStart + roiEnd) * (inLen - 1),
            _ => throw new UnsupportedOperatorException($"coordinate_transformation_mode '{mode}' is not supported"),
        };
    }

    private static void AddTaps(ResizeSettings s, double x, double scale, int inLen, List<int> index, List<double> weight)
    {
        switch (s.Mode)
        {
            case ResizeMode.Nearest:
                index.Add(Math.Clamp(Nearest(s.NearestMode, x, scale), 0, inLen - 1));
                weight.Add(1);
                break;
            case ResizeMode.Linear:
            {
                double x0 = Math.Floor(x), t = x - x0;
                AddTap(index, weight, (long)x0, 1 - t, inLen);
                AddTap(index, weight, (long)x0 + 1, t, inLen);
                break;
            }
            default:
            {
                double x0 = Math.Floor(x), t = x - x0, a = s.CubicA;
                Span<double> c =
                [
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
                ];
                if (s.ExcludeOutside)
                {
                    // Taps outside the input get weight 0 and the rest are renormalized to sum to 1.
                    double sum = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        long idx = (long)x0 - 1 + i;
                        if (idx < 0 || idx >= inLen) c[i] = 0;
                        sum += c[i];
                    }
                    for (int i = 0; i < 4; i++) c[i] = sum == 0 ? 0 : c[i] / sum;
                }
                for (int i = 0; i < 4; i++) AddTap(index, weight, (long)x0 - 1 + i, c[i], inLen);
                break;
            }
        }
    }

    /// <summary>Adds a tap, clamping the index to the edge (ONNX pads with edge values); zero weights are dropped.</summary>
    private static void AddTap(List<int> index, List<double> weight, long i, double w, int inLen)
    {
        if (w == 0) return;
        index.Add((int)Math.Clamp(i, 0, inLen - 1));
        weight.Add(w);
    }

    /// <summary>ONNX nearest_mode rounding of an input coordinate.</summary>
    public static int Nearest(string mode, double x, double scale)
    {
        double floor = Math.Floor(x);
        bool half = x - floor == 0.5;
        double r = mode switch
        {
            "round_prefer_floor" => half ? floor : Math.Round(x, MidpointRounding.AwayFromZero),
            "round_prefer_ceil" => half ? floor + 1 : Math.Round(x, MidpointRounding.AwayFromZero),
            "floor" => floor,
            "ceil" => Math.Ceiling(x),
            "simple" => scale < 1 ? Math.Ceiling(x) : (x < 0 ? Math.Ceiling(x) : floor),
            _ => throw new UnsupportedOperatorException($"nearest_mode '{mode}' is not supported"),
        };
        return (int)Math.Clamp(r, int.MinValue, int.MaxValue);
    }
}
