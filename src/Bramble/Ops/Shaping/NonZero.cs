using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX NonZero: int64 [rank, count] coordinates of the non-zero elements in row-major order. Its shape
/// depends on the data, so planning needs the input's value (else the session runs dynamically).
/// </summary>
public sealed class NonZero(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.RequireValue(0);
        if (!ElementValues.IsNumeric(x.Type) && x.Type != DataType.Bool) throw ctx.Error($"NonZero of {x.Type.Name()} is not supported");
        long count = 0;
        for (long i = 0; i < x.Length; i++)
            if (x.GetDouble(i) != 0) count++;
        // A scalar behaves as a 1-element vector, as numpy's reference does.
        ctx.SetOutput(0, DataType.Int64, [Math.Max(x.Rank, 1), (int)count]);
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0).AsSpan<long>();
        int rank = x.Rank;
        long count = y.Length / Math.Max(rank, 1);
        var shape = x.Shape;
        long found = 0;
        for (long i = 0; i < x.Length && found < count; i++)
        {
            if (x.GetDouble(i) == 0) continue;
            long rest = i;
            for (int d = rank - 1; d >= 0; d--)
            {
                y[checked((int)(d * count + found))] = rest % shape[d];
                rest /= shape[d];
            }
            if (rank == 0) y[(int)found] = 0;
            found++;
        }
    }
}
