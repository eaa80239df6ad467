using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>ONNX LpNormalization: x divided by its L1 or L2 norm along <c>axis</c> (default −1). A zero vector stays zero. Reference kernel.</summary>
public sealed class LpNormalization(Node node) : Operator(node)
{
    private int _axis = -1;

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "input");
        long p = Node.GetInt("p", 2);
        if (p is not (1 or 2)) throw ctx.Error($"p {p} must be 1 or 2");
        var x = ctx.InputShape(0);
        _axis = ShapeUtil.NormalizeAxis(Node.GetInt("axis", -1), x.Length, $"{Node.Describe()}: axis");
        ctx.SetOutput(0, DataType.Float32, x);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        // Resolved at inference so that executing formats no strings.
        int axis = _axis >= 0 && _axis < x.Rank ? _axis : ShapeUtil.NormalizeAxis(Node.GetInt("axis", -1), x.Rank, $"{Node.Describe()}: axis");
        int outer = (int)NnChecks.Product(x.Shape.AsSpan(0, axis));
        int inner = (int)NnChecks.Product(x.Shape.AsSpan(axis + 1));
        Run(x.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>(), outer, x.Shape[axis], inner, (int)Node.GetInt("p", 2));
    }

    public static void Run(ReadOnlySpan<float> x, Span<float> y, int outer, int length, int inner, int p)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * length * inner + i;
                double norm = 0;
                for (int k = 0; k < length; k++)
                {
                    float v = x[start + k * inner];
                    norm += p == 1 ? Math.Abs(v) : (double)v * v;
                }
                if (p == 2) norm = Math.Sqrt(norm);
                for (int k = 0; k < length; k++)
                    y[start + k * inner] = norm == 0 ? 0f : (float)(x[start + k * inner] / norm);
            }
    }
}
