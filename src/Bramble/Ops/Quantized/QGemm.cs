using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>
/// Bramble's quantized fully connected layer (domain ai.bramble), made by the fold-qdq-gemm pass from a QDQ Gemm or
/// MatMul: y = saturate(round((Σ_k (x − x_zp)(w − w_zp) + B) · x_scale · w_scale / y_scale) + y_zp), clamped to
/// [fused_min, fused_max] (a folded Relu or Clip). Inputs as QLinearConv's: x (rank ≥ 1, last dimension K), x_scale,
/// x_zero_point, w ([K, N], or [N, K] with <c>transB</c> = 1), w_scale and w_zero_point (one or N values),
/// y_scale, y_zero_point, optional int32 bias B (N values). Output: x's leading dimensions × N.
/// </summary>
public sealed unsafe class QGemm(Node node) : Operator(node)
{
    private int _rows, _k, _n;
    private bool _transB;
    private Int8Gemv? _fast;

    public override void InferOutputs(InferContext ctx)
    {
        var yType = QuantParams.RequireLinearOperands(ctx);
        (_rows, _k, _n, _transB) = Resolve(ctx);
        QuantParams.RequireScalarOrVector(ctx, 4, _n, "w_scale");
        QuantParams.RequireScalarOrVector(ctx, 5, _n, "w_zero_point");
        if (ctx.HasInput(8))
        {
            QuantParams.RequireType(ctx, 8, DataType.Int32, "B");
            var b = ctx.InputShape(8);
            if (b.Length != 1 || b[0] != _n) throw ctx.Error($"B (input 8) must have {_n} values, got {ShapeUtil.Format(b)}");
        }
        var x = ctx.InputShape(0);
        var y = new int[x.Length];
        x.AsSpan(0, x.Length - 1).CopyTo(y);
        y[^1] = _n;
        ctx.SetOutput(0, yType, y);
    }

    /// <summary>Rows (product of x's leading dimensions), K, N and transB, after checking that x and w agree.</summary>
    private (int Rows, int K, int N, bool TransB) Resolve(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        var w = ctx.InputShape(3);
        bool transB = Node.GetInt("transB", 0) != 0;
        if (w.Length != 2) throw ctx.Error($"w (input 3) must be a matrix, got {ShapeUtil.Format(w)}");
        if (x.Length == 0) throw ctx.Error("x (input 0) must have at least one dimension");
        int k = transB ? w[1] : w[0], n = transB ? w[0] : w[1];
        if (x[^1] != k) throw new ShapeException($"{Node.Describe()}: x {ShapeUtil.Format(x)} and w {ShapeUtil.Format(w)} (transB={(transB ? 1 : 0)}) disagree on K");
        long rows = 1;
        for (int d = 0; d < x.Length - 1; d++) rows *= x[d];
        if (rows > int.MaxValue) throw ctx.Error($"x {ShapeUtil.Format(x)} has too many rows");
        return ((int)rows, k, n, transB);
    }

    public override long CountMacs(InferContext ctx)
    {
        var (rows, k, n, _) = Resolve(ctx);
        return (long)rows * k * n;
    }

    public override void Prepare(PrepareContext ctx)
    {
        _fast = Int8Gemv.TryCreate(Node, ctx, _transB, biasInput: 8);
        if (_fast != null) ctx.RequestWorkspace(_fast.WorkspaceBytes);
    }

    public override string KernelName => _fast?.Name ?? "reference";

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    /// <summary>The int8 kernel packed W (input 3) and folded the bias (input 8); runs never read the originals again.</summary>
    public override bool OwnsCopyOfInput(int index) => _fast != null && index is 3 or 8;

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(3);
        var y = ctx.Output(0);
        if (_fast != null && x.Length == (long)_fast.Rows * _k && ctx.Workspace.Length >= _fast.WorkspaceBytes)
        {
            _fast.Run(x.Data, y.Data, ctx.WorkspaceData, ctx.Pool);
            return;
        }
        var b = ctx.OptionalInput(8);
        int k = x.Shape[^1], n = _transB ? w.Shape[0] : w.Shape[1];
        int rows = n == 0 ? 0 : (int)(y.Length / n);
        bool ySigned = y.Type == DataType.Int8;
        var (lo, hi) = QLinearConv.OutputRange(Node, ySigned);
        var sink = new QLinearConv.RequantSink
        {
            Y = y.Data, Signed = ySigned, Bias = b == null ? null : (int*)b.Data, Lo = lo, Hi = hi,
            XScale = QuantParams.Scale(ctx.Input(1), 0), WScale = ctx.Input(4), YScale = QuantParams.Scale(ctx.Input(6), 0),
            YZp = QuantParams.ZeroPoint(ctx.OptionalInput(7), 0),
        };
        IntegerMatMulReference.ForEachRow(rows, k, n, x.Data, x.Type == DataType.Int8, QuantParams.ZeroPoint(ctx.OptionalInput(2), 0),
            w.Data, w.Type == DataType.Int8, _transB, IntegerMatMulReference.ZeroPoints(ctx.OptionalInput(5)), ref sink);
    }
}
