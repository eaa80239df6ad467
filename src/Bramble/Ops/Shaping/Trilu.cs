using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Trilu: keeps the upper (upper=1: column - row ≥ k) or lower (column - row ≤ k) triangle of each
/// matrix in the last two dims and zeroes the rest; k is optional input 1.
/// </summary>
public sealed class Trilu(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        if (input.Length < 2) throw ctx.Error($"input must have rank ≥ 2, got {ShapeUtil.Format(input)}");
        if (ctx.HasInput(1) && ShapeUtil.ElementCount(ctx.InputShape(1)) != 1) throw ctx.Error("k must be a scalar");
        ctx.SetOutput(0, ctx.InputType(0), input);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        ElementCopy.Whole(x, y);
        long k = ctx.OptionalInput(1)?.GetInt64(0) ?? 0;
        bool upper = Node.GetInt("upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1], size = x.Type.Size();
        long matrices = rows * (long)cols == 0 ? 0 : x.Length / ((long)rows * cols);
        for (long m = 0; m < matrices; m++)
            for (long r = 0; r < rows; r++)
            {
                byte* row = y.Data + (m * rows + r) * cols * size;
                for (long c = 0; c < cols; c++)
                {
                    bool keep = upper ? c - r >= k : c - r <= k;
                    if (!keep) new Span<byte>(row + c * size, size).Clear(); // all-zero bytes are 0 in every numeric type
                }
            }
    }
}
