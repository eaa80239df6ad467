using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Kernels.Sparse;
using Bramble.Tensors;

namespace Bramble.Ops.Sparse;

/// <summary>
/// ai.bramble:SparseConv — a 1×1, stride-1, group-1 convolution whose weights are stored as CSR:
/// inputs X [N, K, spatial…], values float [nnz], column indices int32 [nnz] (input channels),
/// row starts int32 [M + 1], optional bias [M]; output [N, M, spatial…]. Produced by the
/// UseSparseKernels pass inside a session for layers where it measured faster than dense.
/// </summary>
public sealed unsafe class SparseConv(Node node) : Operator(node)
{
    private CsrMatrix? _csr;

    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        if (ctx.InputType(0) != DataType.Float32 || x.Length < 3) throw ctx.Error("X must be float32 [N, C, spatial...]");
        if (ctx.InputType(1) != DataType.Float32 || ctx.InputType(2) != DataType.Int32 || ctx.InputType(3) != DataType.Int32)
            throw ctx.Error("CSR weights must be float32 values, int32 column indices and int32 row starts");
        var rows = ctx.InputShape(3);
        if (rows.Length != 1 || rows[0] < 1) throw ctx.Error("row starts must be a 1-D tensor of M + 1 entries");
        int m = rows[0] - 1;
        if (ctx.HasInput(4) && (ctx.InputType(4) != DataType.Float32 || ShapeUtil.ElementCount(ctx.InputShape(4)) != m))
            throw ctx.Error($"bias must be float32 with {m} values");
        var y = (int[])x.Clone();
        y[1] = m;
        ctx.SetOutput(0, DataType.Float32, y);
    }

    public override void Prepare(PrepareContext ctx)
    {
        var values = ctx.ConstantInput(1);
        var columns = ctx.ConstantInput(2);
        var rows = ctx.ConstantInput(3);
        _csr = values != null && columns != null && rows != null
            ? CsrMatrix.FromTensors(values, columns, rows, ctx.Shapes.InputShape(0)[1])
            : null;
    }

    public override string KernelName => _csr == null ? "sparse 1x1 csr" : $"sparse 1x1 csr {(100 * _csr.Sparsity).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}% zeros";

    /// <summary>The prepared matrix copied the CSR arrays (inputs 1 to 3); runs never read the originals again.</summary>
    public override bool OwnsCopyOfInput(int index) => _csr != null && index is 1 or 2 or 3;

    public override long PreparedWeightBytes =>
        _csr == null ? 0 : ((long)_csr.Values.Length + _csr.Columns.Length + _csr.RowStart.Length) * sizeof(int);

    public override long CountMacs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        long positions = ShapeUtil.ElementCount(x) / x[1];
        return positions * ShapeUtil.ElementCount(ctx.InputShape(1));
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        // Without constant weights (only in the dynamic executor) the matrix is built on first use.
        var csr = _csr ??= CsrMatrix.FromTensors(ctx.Input(1), ctx.Input(2), ctx.Input(3), x.Shape[1]);
        if (csr.ColumnCount != x.Shape[1]) throw new ShapeException($"{Node.Describe()}: weights expect {csr.ColumnCount} input channels, X has {x.Shape[1]}");
        var bias = ctx.OptionalInput(4);
        int batch = x.Shape[0];
        int n = checked((int)(x.Length / ((long)batch * x.Shape[1])));
        var isa = ctx.Options.ReferenceKernels ? Isa.Scalar : ctx.Options.MaxIsa;
        for (int b = 0; b < batch; b++)
            SparseGemm.Multiply(csr, (float*)x.Data + (long)b * csr.ColumnCount * n, bias == null ? null : (float*)bias.Data,
                (float*)y.Data + (long)b * csr.Rows * n, n, isa, ctx.Pool);
    }
}
