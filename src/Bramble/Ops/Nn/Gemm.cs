using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>Resolved Gemm geometry: Y[M, N] = α·op(A)[M, K]·op(B)[K, N] + β·C, C broadcast from [CRows, CCols].</summary>
public sealed record GemmParameters(int M, int N, int K, bool TransA, bool TransB, float Alpha, float Beta, bool HasC, int CRows, int CCols)
{
    public long Macs => (long)M * N * K;
}

/// <summary>ONNX Gemm (transA, transB, alpha, beta, optional unidirectionally broadcast C). Reference kernel.</summary>
public sealed class Gemm(Node node) : Operator(node)
{
    private GemmParameters? _params;

    public GemmParameters? Parameters => _params;

    public static GemmParameters Resolve(Node node, int[] a, int[] b, int[]? c)
    {
        if (a.Length != 2 || b.Length != 2)
            throw NnChecks.Error(node, $"A {ShapeUtil.Format(a)} and B {ShapeUtil.Format(b)} must both be 2-D");
        bool ta = node.GetInt("transA", 0) != 0, tb = node.GetInt("transB", 0) != 0;
        int m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
        int kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (k != kb)
            throw NnChecks.Error(node, $"inner dimensions differ: A {ShapeUtil.Format(a)}{(ta ? "ᵀ" : "")} has K={k}, B {ShapeUtil.Format(b)}{(tb ? "ᵀ" : "")} has K={kb}");
        int cRows = 1, cCols = 1;
        if (c != null)
        {
            if (c.Length > 2) throw NnChecks.Error(node, $"C {ShapeUtil.Format(c)} has rank > 2");
            cRows = c.Length == 2 ? c[0] : 1;
            cCols = c.Length >= 1 ? c[^1] : 1;
            if (cRows != 1 && cRows != m || cCols != 1 && cCols != n)
                throw NnChecks.Error(node, $"C {ShapeUtil.Format(c)} cannot be broadcast to [{m}x{n}]");
        }
        return new GemmParameters(m, n, k, ta, tb, node.GetFloat("alpha", 1f), node.GetFloat("beta", 1f), c != null, cRows, cCols);
    }

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "A");
        NnChecks.RequireFloat(ctx, 1, "B");
        if (ctx.HasInput(2)) NnChecks.RequireFloat(ctx, 2, "C");
        _params = Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), ctx.HasInput(2) ? ctx.InputShape(2) : null);
        ctx.SetOutput(0, DataType.Float32, [_params.M, _params.N]);
    }

    private Kernels.Ops.FastGemm? _fast;

    /// <summary>Packs a constant B for the fast kernel unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Kernels.Ops.FastGemm.TryCreate(_params, ctx.ConstantInput(1), ctx.Options);

    public override string KernelName => _fast?.Name ?? "reference";

    /// <summary>The fast kernel packed a constant B (input 1) and never reads the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => index == 1 && _fast?.PackedB == true;

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    public override void Dispose()
    {
        _fast?.Dispose();
        _fast = null;
    }

    public override long CountMacs(InferContext ctx) =>
        Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), ctx.HasInput(2) ? ctx.InputShape(2) : null).Macs;

    public override void Execute(ExecContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var c = ctx.OptionalInput(2);
        var p = _params ?? Resolve(Node, a.Shape, b.Shape, c?.Shape);
        if (_fast != null && _params != null)
        {
            _fast.RunGemm(p, a, b, c, ctx.Output(0), ctx.Pool);
            return;
        }
        Run(p, a.AsReadOnlySpan<float>(), b.AsReadOnlySpan<float>(), c == null ? default : c.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }

    /// <summary>Triple loop with a double accumulator per output element.</summary>
    public static void Run(GemmParameters p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y)
    {
        for (int i = 0; i < p.M; i++)
            for (int j = 0; j < p.N; j++)
            {
                double sum = 0;
                for (int k = 0; k < p.K; k++)
                {
                    float av = p.TransA ? a[k * p.M + i] : a[i * p.K + k];
                    float bv = p.TransB ? b[j * p.K + k] : b[k * p.N + j];
                    sum += (double)av * bv;
                }
                double result = p.Alpha * sum;
                if (p.HasC) result += p.Beta * c[(p.CRows == 1 ? 0 : i) * p.CCols + (p.CCols == 1 ? 0 : j)];
                y[i * p.N + j] = (float)result;
            }
    }
}
