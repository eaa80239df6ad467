using Bramble.Kernels.Elementwise;
using Bramble.Kernels.Gemm;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Kernels.Ops;

/// <summary>
/// Glue between the elementwise operators and <see cref="FastElementwise"/>: float32 tensors take the
/// vector kernels unless the session asks for reference kernels; everything else stays on the reference.
/// </summary>
internal static unsafe class FastElementwiseOps
{
    /// <summary>Runs an activation on input 0 into output 0 if the fast path applies; false otherwise.</summary>
    public static bool TryActivation(ExecContext ctx, Activation kind, float alpha = 0, float beta = 0)
    {
        if (ctx.Options.ReferenceKernels) return false;
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        if (x.Type != DataType.Float32 || y.Length != x.Length) return false;
        FastElementwise.Activation(new UnaryActivation(kind, alpha, beta), (float*)x.Data, (float*)y.Data, y.Length, ctx.Pool, ctx.Options.MaxIsa);
        return true;
    }

    /// <summary>Runs a broadcasting binary op on inputs 0 and 1 if the fast path applies; false otherwise.</summary>
    public static bool TryBinary<TOp>(ExecContext ctx) where TOp : struct, IBinaryVectorOp
    {
        if (ctx.Options.ReferenceKernels) return false;
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var y = ctx.Output(0);
        if (a.Type != DataType.Float32 || b.Type != DataType.Float32 || y.Rank > 8) return false;
        FastElementwise.Binary<TOp>(a, b, y, ctx.Pool, ctx.Options.MaxIsa);
        return true;
    }
}
