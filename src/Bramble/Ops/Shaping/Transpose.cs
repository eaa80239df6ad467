using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Transpose: output dim i is input dim perm[i]; perm defaults to reversing the axes.</summary>
public sealed class Transpose(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        int rank = input.Length;
        if (rank > ElementCopy.MaxRank) throw ctx.Error($"rank {rank} is too large");
        var perm = Node.GetInts("perm");
        if (perm != null)
        {
            if (perm.Length != rank) throw ctx.Error($"perm [{string.Join(",", perm)}] does not match input rank {rank}");
            var seen = new bool[rank];
            foreach (long p in perm)
            {
                if (p < 0 || p >= rank || seen[p]) throw ctx.Error($"perm [{string.Join(",", perm)}] is not a permutation of 0..{rank - 1}");
                seen[p] = true;
            }
        }
        var output = new int[rank];
        for (int i = 0; i < rank; i++) output[i] = input[Axis(perm, i, rank)];
        ctx.SetOutput(0, ctx.InputType(0), output);
    }

    private static int Axis(long[]? perm, int i, int rank) => perm != null ? (int)perm[i] : rank - 1 - i;

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int rank = x.Rank, size = x.Type.Size();
        var perm = Node.GetInts("perm");
        Span<long> inStrides = stackalloc long[rank];
        Span<long> srcStrides = stackalloc long[rank];
        ElementCopy.ByteStrides(x.Shape, size, inStrides);
        for (int i = 0; i < rank; i++) srcStrides[i] = inStrides[Axis(perm, i, rank)];
        ElementCopy.Strided(x.Data, srcStrides, y.Data, y.Shape, size);
    }
}
