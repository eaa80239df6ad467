using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// ONNX Resize, opsets 10 to 18: nearest/linear/cubic in N-D with every coordinate_transformation_mode and
/// nearest_mode of those opsets, scales or sizes, roi for tf_crop_and_resize, and (opset 18) axes.
/// Opset 10 has only scales and mode, with Upsample's asymmetric coordinates. Reference kernel.
/// </summary>
public sealed class Resize(Node node, long opset) : Operator(node)
{
    private ResizeParameters? _params;

    public ResizeParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        var x = ctx.InputShape(0);
        var settings = Settings();
        if (opset < 11)
        {
            var scales = Scales(ctx, 1, x.Length) ?? throw ctx.Error("input 'scales' is required");
            var output = ResizeGeometry.OutputFromScales(Node, x, scales, null, settings.CoordinateMode);
            _params = ResizeGeometry.Build(Node, settings, x, output, scales, null);
        }
        else
        {
            if (Node.GetInt("antialias", 0) != 0) throw new UnsupportedOperatorException($"{Node.Describe()}: antialias=1 is not supported");
            string policy = Node.GetString("keep_aspect_ratio_policy", "stretch");
            if (policy != "stretch") throw new UnsupportedOperatorException($"{Node.Describe()}: keep_aspect_ratio_policy '{policy}' is not supported");
            var axes = Axes(x.Length);
            double[]? roi = null;
            if (settings.CoordinateMode == "tf_crop_and_resize" && ctx.HasInput(1) && ctx.InputShape(1) is not [0])
                roi = Expand(NnChecks.FloatValues(ctx.RequireValue(1)).Select(v => (double)v).ToArray(), axes, x.Length, "roi", isRoi: true);
            var scales = Scales(ctx, 2, axes.Length) is { } given ? Expand(given, axes, x.Length, "scales", isRoi: false) : null;
            int[] output;
            if (ctx.HasInput(3) && ctx.InputShape(3) is not [0])
            {
                if (scales != null) throw ctx.Error("only one of 'scales' and 'sizes' may be given");
                var sizes = NnChecks.IntValues(ctx.RequireValue(3));
                if (sizes.Length != axes.Length) throw ctx.Error($"sizes has {sizes.Length} values, expected {axes.Length}");
                output = (int[])x.Clone();
                for (int i = 0; i < axes.Length; i++)
                    output[axes[i]] = sizes[i] is >= 0 and <= 1 << 28 ? (int)sizes[i] : throw ctx.Error($"size {sizes[i]} is out of range");
                scales = new double[x.Length];
                for (int d = 0; d < x.Length; d++) scales[d] = x[d] == 0 ? 1 : (double)output[d] / x[d];
            }
            else
            {
                if (scales == null) throw ctx.Error("one of 'scales' and 'sizes' must be given");
                output = ResizeGeometry.OutputFromScales(Node, x, scales, roi, settings.CoordinateMode);
            }
            _params = ResizeGeometry.Build(Node, settings, x, output, scales, roi);
        }
        ctx.SetOutput(0, DataType.Float32, _params.OutputShape);
    }

    private ResizeSettings Settings()
    {
        string mode = Node.GetString("mode", "nearest");
        var m = mode switch
        {
            "nearest" => ResizeMode.Nearest,
            "linear" => ResizeMode.Linear,
            "cubic" when opset >= 11 => ResizeMode.Cubic,
            _ => throw new UnsupportedOperatorException($"{Node.Describe()}: mode '{mode}' is not supported"),
        };
        if (opset < 11) return new ResizeSettings(m, "asymmetric", "simple", -0.75, false, 0f);
        string coordinate = Node.GetString("coordinate_transformation_mode", "half_pixel");
        if (coordinate is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
            throw new UnsupportedOperatorException($"{Node.Describe()}: coordinate_transformation_mode '{coordinate}' is not supported");
        string nearest = Node.GetString("nearest_mode", "round_prefer_floor");
        if (nearest is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw new UnsupportedOperatorException($"{Node.Describe()}: nearest_mode '{nearest}' is not supported");
        return new ResizeSettings(m, coordinate, nearest, Node.GetFloat("cubic_coeff_a", -0.75f),
            Node.GetInt("exclude_outside", 0) != 0, Node.GetFloat("extrapolation_value", 0f));
    }

    /// <summary>The scales input as doubles, or null when absent or empty (opset 13 allows an empty tensor).</summary>
    private static double[]? Scales(InferContext ctx, int input, int expected)
    {
        if (!ctx.HasInput(input) || ctx.InputShape(input) is [0]) return null;
        var values = NnChecks.FloatValues(ctx.RequireValue(input));
        if (values.Length != expected) throw ctx.Error($"scales has {values.Length} values, expected {expected}");
        return values.Select(v => (double)v).ToArray();
    }

    /// <summary>The axes attribute (opset 18) normalized, or all dimensions.</summary>
    private int[] Axes(int rank)
    {
        var axes = Node.GetInts("axes");
        if (axes == null) return Enumerable.Range(0, rank).ToArray();
        var result = axes.Select(a => ShapeUtil.NormalizeAxis(a, rank, $"{Node.Describe()}: axis")).ToArray();
        if (result.Distinct().Count() != result.Length) throw NnChecks.Error(Node, "axes contains duplicates");
        return result;
    }

    /// <summary>Expands per-axis values to all dimensions (scale 1, roi [0, 1] on the others).</summary>
    private double[] Expand(double[] values, int[] axes, int rank, string what, bool isRoi)
    {
        int per = isRoi ? 2 : 1;
        if (values.Length != per * axes.Length) throw NnChecks.Error(Node, $"{what} has {values.Length} values, expected {per * axes.Length}");
        if (axes.Length == rank && axes.Select((a, i) => a == i).All(b => b)) return values;
        var full = new double[per * rank];
        if (isRoi) for (int d = 0; d < rank; d++) full[rank + d] = 1;
        else Array.Fill(full, 1.0);
        for (int i = 0; i < axes.Length; i++)
        {
            full[axes[i]] = values[i];
            if (isRoi) full[rank + axes[i]] = values[axes.Length + i];
        }
        return full;
    }

    private Kernels.Ops.FastResize? _fast;

    /// <summary>Chooses the plane-wise kernel for the inferred tap tables unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Kernels.Ops.FastResize.TryCreate(_params, ctx.Options);

    public override string KernelName => _fast?.Name ?? "reference";

    public override void Execute(ExecContext ctx)
    {
        var p = _params ?? throw new InvalidOperationException($"{Node.Describe()}: executed before shape inference");
        if (_fast != null && ShapeUtil.ElementCount(ctx.Input(0).Shape) == ShapeUtil.ElementCount(p.InputShape))
        {
            _fast.Run(ctx.Input(0), ctx.Output(0), ctx.Pool);
            return;
        }
        ResizeReference.Run(p, ctx.Input(0).AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }
}
