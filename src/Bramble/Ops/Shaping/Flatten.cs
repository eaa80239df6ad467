using Bramble.Graph;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Flatten: [d0..d(axis-1)] and [d(axis)..] each collapse into one dimension; axis in [-r, r], default 1.</summary>
public sealed class Flatten(Node node) : ViewOperator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        int rank = input.Length;
        long axis = Node.GetInt("axis", 1);
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a > rank) throw ctx.Error($"axis {axis} is out of range for rank {rank} (allowed [-{rank}, {rank}])");
        long outer = ElementCopy.Product(input, 0, (int)a);
        long inner = ElementCopy.Product(input, (int)a, rank);
        if (outer > int.MaxValue || inner > int.MaxValue) throw ctx.Error("flattened dimension exceeds the supported size");
        ctx.SetOutput(0, ctx.InputType(0), [(int)outer, (int)inner]);
    }
}
