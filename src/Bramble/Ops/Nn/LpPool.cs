using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX LpPool: (Σ |x|^p)^(1/p) over sliding windows (p defaults to 2). Reference kernel.</summary>
public sealed class LpPool(Node node) : Operator(node)
{
    private PoolParameters? _params;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "X");
        _ = Power(Node);
        _params = PoolGeometry.Resolve(Node, ctx.InputShape(0), allowDilations: true);
        ctx.SetOutput(0, DataType.Float32, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    /// <summary>The p attribute: an int since opset 2 (a float in opset 1); must be positive.</summary>
    internal static float Power(Node node)
    {
        float p = node.Attributes.TryGetValue("p", out var a)
            ? (a.Type == AttributeType.Float ? a.Float : a.Int)
            : 2f;
        if (!(p > 0)) throw NnChecks.Error(node, $"p {p} must be positive");
        return p;
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var p = _params;
        if (p == null || p.Batch != x.Shape[0] || !Conv.SameSpatial(p.Window, x.Shape))
            p = PoolGeometry.Resolve(Node, x.Shape, allowDilations: true);
        PoolReference.Lp(p, x.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(), Power(Node));
    }
}
