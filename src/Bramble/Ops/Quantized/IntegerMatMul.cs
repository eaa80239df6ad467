using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>Integer matrix product with zero points, numpy batching: the oracle for the int8 GEMM kernels.</summary>
public static unsafe class IntegerMatMulReference
{
    /// <summary>
    /// Calls <paramref name="emit"/> with Σ_k (a[i,k] − aZp[i]) · (b[k,j] − bZp[j]) for every output element;
    /// the channel passed is the column j. aZp has 1 or M values, bZp 1 or N.
    /// </summary>
    public static void ForEach<TEmit>(MatMulParameters p, byte* a, bool aSigned, ReadOnlySpan<int> aZp, byte* b, bool bSigned, ReadOnlySpan<int> bZp, ref TEmit emit)
        where TEmit : struct, IAccumulatorSink
    {
        long batches = p.BatchCount;
        for (long batch = 0; batch < batches; batch++)
        {
            long aOff = 0, bOff = 0, rest = batch;
            for (int d = p.BatchShape.Length - 1; d >= 0; d--)
            {
                long idx = rest % p.BatchShape[d];
                rest /= p.BatchShape[d];
                aOff += idx * p.ABatchStrides[d];
                bOff += idx * p.BBatchStrides[d];
            }
            long yOff = batch * p.M * p.N;
            for (int i = 0; i < p.M; i++)
            {
                int za = aZp.Length == 1 ? aZp[0] : aZp[i];
                for (int j = 0; j < p.N; j++)
                {
                    int zb = bZp.Length == 1 ? bZp[0] : bZp[j];
                    int sum = 0;
                    for (int k = 0; k < p.K; k++)
                        sum = unchecked(sum + (QuantParams.Load(a, aOff + (long)i * p.K + k, aSigned) - za)
                                            * (QuantParams.Load(b, bOff + (long)k * p.N + j, bSigned) - zb));
                    emit.Put(yOff + (long)i * p.N + j, j, sum);
                }
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="emit"/> with Σ_k (a[i,k] − aZp) · (b(k,j) − bZp[j]) for a [rows, K] and b [K, N], or b [N, K]
    /// read transposed when <paramref name="bTransposed"/> (Gemm's transB); the channel passed is the column j.
    /// </summary>
    public static void ForEachRow<TEmit>(int rows, int k, int n, byte* a, bool aSigned, int aZp, byte* b, bool bSigned, bool bTransposed,
        ReadOnlySpan<int> bZp, ref TEmit emit) where TEmit : struct, IAccumulatorSink
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++)
            {
                int zb = bZp.Length == 1 ? bZp[0] : bZp[j];
                int sum = 0;
                for (int kk = 0; kk < k; kk++)
                {
                    long at = bTransposed ? (long)j * k + kk : (long)kk * n + j;
                    sum = unchecked(sum + (QuantParams.Load(a, (long)i * k + kk, aSigned) - aZp) * (QuantParams.Load(b, at, bSigned) - zb));
                }
                emit.Put((long)i * n + j, j, sum);
            }
    }

    /// <summary>A scale/zero-point tensor's values as ints (length 1 for per-tensor; 0 when absent).</summary>
    public static int[] ZeroPoints(Tensor? zp) => zp == null ? [0] : QLinearConv.ToInts(zp);
}

/// <summary>ONNX MatMulInteger: int32 y = (a − a_zp)(b − b_zp); a_zp per tensor or per row, b_zp per tensor or per column.</summary>
public sealed unsafe class MatMulInteger(Node node) : Operator(node)
{
    private MatMulParameters? _params;

    public override void InferOutputs(InferContext ctx)
    {
        var aType = QuantParams.Require8Bit(ctx, 0, "A");
        var bType = QuantParams.Require8Bit(ctx, 1, "B");
        QuantParams.RequireSameType(ctx, 2, aType, "a_zero_point");
        QuantParams.RequireSameType(ctx, 3, bType, "b_zero_point");
        _params = MatMul.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1));
        QuantParams.RequireScalarOrVector(ctx, 2, _params.M, "a_zero_point");
        QuantParams.RequireScalarOrVector(ctx, 3, _params.N, "b_zero_point");
        ctx.SetOutput(0, DataType.Int32, _params.OutputShape);
    }

    public override long CountMacs(InferContext ctx) => MatMul.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1)).Macs;

    public override void Execute(ExecContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var p = _params ?? MatMul.Resolve(Node, a.Shape, b.Shape);
        var sink = new Int32Sink { Y = (int*)ctx.Output(0).Data };
        IntegerMatMulReference.ForEach(p, a.Data, a.Type == DataType.Int8, IntegerMatMulReference.ZeroPoints(ctx.OptionalInput(2)),
            b.Data, b.Type == DataType.Int8, IntegerMatMulReference.ZeroPoints(ctx.OptionalInput(3)), ref sink);
    }

    private struct Int32Sink : IAccumulatorSink
    {
        public int* Y;
        public void Put(long index, int channel, int acc) => Y[index] = acc;
    }
}

/// <summary>ONNX QLinearMatMul: y = saturate(round((a − a_zp)(b − b_zp) · a_scale · b_scale / y_scale) + y_zp); b may be per column.</summary>
public sealed unsafe class QLinearMatMul(Node node) : Operator(node)
{
    private MatMulParameters? _params;
    private Int8Gemv? _fast;

    public override void InferOutputs(InferContext ctx)
    {
        var aType = QuantParams.Require8Bit(ctx, 0, "a");
        QuantParams.RequireType(ctx, 1, DataType.Float32, "a_scale");
        QuantParams.RequireScalar(ctx, 1, "a_scale");
        QuantParams.RequireSameType(ctx, 2, aType, "a_zero_point");
        QuantParams.RequireScalar(ctx, 2, "a_zero_point");
        var bType = QuantParams.Require8Bit(ctx, 3, "b");
        QuantParams.RequireType(ctx, 4, DataType.Float32, "b_scale");
        QuantParams.RequireSameType(ctx, 5, bType, "b_zero_point");
        QuantParams.RequireType(ctx, 6, DataType.Float32, "y_scale");
        QuantParams.RequireScalar(ctx, 6, "y_scale");
        var yType = QuantParams.Require8Bit(ctx, 7, "y_zero_point");
        QuantParams.RequireScalar(ctx, 7, "y_zero_point");
        _params = MatMul.Resolve(Node, ctx.InputShape(0), ctx.InputShape(3));
        QuantParams.RequireScalarOrVector(ctx, 4, _params.N, "b_scale");
        QuantParams.RequireScalarOrVector(ctx, 5, _params.N, "b_zero_point");
        ctx.SetOutput(0, yType, _params.OutputShape);
    }

    public override long CountMacs(InferContext ctx) => MatMul.Resolve(Node, ctx.InputShape(0), ctx.InputShape(3)).Macs;

    /// <summary>A constant matrix B runs on the packed integer GEMV kernel (A's leading dimensions are its rows).</summary>
    public override void Prepare(PrepareContext ctx)
    {
        _fast = ctx.Shapes.InputShape(3).Length == 2 ? Int8Gemv.TryCreate(Node, ctx, transB: false, biasInput: -1) : null;
        if (_fast != null) ctx.RequestWorkspace(_fast.WorkspaceBytes);
    }

    public override string KernelName => _fast?.Name ?? "reference";

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    /// <summary>The int8 kernel packed B (input 3); runs never read the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => _fast != null && index == 3;

    public override void Execute(ExecContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(3);
        var y = ctx.Output(0);
        if (_fast != null && b.Rank == 2 && a.Length == (long)_fast.Rows * b.Shape[0] && ctx.Workspace.Length >= _fast.WorkspaceBytes)
        {
            _fast.Run(a.Data, y.Data, ctx.WorkspaceData, ctx.Pool);
            return;
        }
        var p = _params ?? MatMul.Resolve(Node, a.Shape, b.Shape);
        bool signed = y.Type == DataType.Int8;
        var (lo, hi) = QLinearConv.OutputRange(Node, signed);
        var sink = new RequantSink
        {
            Y = y.Data, Signed = signed, Lo = lo, Hi = hi, AScale = QuantParams.Scale(ctx.Input(1), 0), BScale = ctx.Input(4),
            YScale = QuantParams.Scale(ctx.Input(6), 0), YZp = QuantParams.ZeroPoint(ctx.Input(7), 0),
        };
        IntegerMatMulReference.ForEach(p, a.Data, a.Type == DataType.Int8, IntegerMatMulReference.ZeroPoints(ctx.OptionalInput(2)),
            b.Data, b.Type == DataType.Int8, IntegerMatMulReference.ZeroPoints(ctx.OptionalInput(5)), ref sink);
    }

    private struct RequantSink : IAccumulatorSink
    {
        public byte* Y;
        public bool Signed;
        public int Lo, Hi, YZp;
        public float AScale, YScale;
        public Tensor BScale;

        public void Put(long index, int channel, int acc) =>
            QuantParams.Store(Y, index, Signed, Requantize.One(acc, Requantize.Multiplier(AScale, QuantParams.Scale(BScale, channel), YScale), YZp, Lo, Hi));
    }
}
