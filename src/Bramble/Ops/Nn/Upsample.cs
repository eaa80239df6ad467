using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// ONNX Upsample (opsets 7–9): nearest or (bi)linear with asymmetric coordinates; scales is an attribute in
/// opset 7 and an input from opset 9. Output dims are floor(in · scale). Reference kernel (shared with Resize).
/// </summary>
public sealed class Upsample(Node node, long opset) : Operator(node)
{
    private ResizeParameters? _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        var x = ctx.InputShape(0);
        string mode = Node.GetString("mode", "nearest");
        var m = mode switch
        {
            "nearest" => ResizeMode.Nearest,
            "linear" or "bilinear" => ResizeMode.Linear,
            _ => throw new UnsupportedOperatorException($"{Node.Describe()}: mode '{mode}' is not supported"),
        };
        double[] scales;
        if (opset >= 9 || ctx.HasInput(1))
        {
            if (!ctx.HasInput(1)) throw ctx.Error("input 'scales' is required");
            scales = NnChecks.FloatValues(ctx.RequireValue(1)).Select(v => (double)v).ToArray();
        }
        else
        {
            scales = Node.GetFloats("scales")?.Select(v => (double)v).ToArray() ?? throw ctx.Error("attribute 'scales' is required");
        }
        foreach (double s in scales)
            if (s < 1) throw ctx.Error($"scale {s} is below 1; Upsample only enlarges");
        var settings = new ResizeSettings(m, "asymmetric", "simple", -0.75, false, 0f);
        var output = ResizeGeometry.OutputFromScales(Node, x, scales, null, settings.CoordinateMode);
        _params = ResizeGeometry.Build(Node, settings, x, output, scales, null);
        ctx.SetOutput(0, DataType.Float32, output);
    }

    public override void Execute(ExecContext ctx)
    {
        var p = _params ?? throw new InvalidOperationException($"{Node.Describe()}: executed before shape inference");
        ResizeReference.Run(p, ctx.Input(0).AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }
}
