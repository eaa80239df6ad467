using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// Resolved MatMul geometry (numpy semantics): both operands viewed as batches of [M, K] and [K, N] matrices
/// broadcast over <see cref="BatchShape"/>; 1-D operands are promoted and their unit dimension dropped from the output.
/// </summary>
public sealed record MatMulParameters(int M, int N, int K, int[] BatchShape, long[] ABatchStrides, long[] BBatchStrides, int[] OutputShape)
{
    public long BatchCount => NnChecks.Product(BatchShape);
    public long Macs => BatchCount * M * N * K;
}

/// <summary>ONNX MatMul with numpy semantics: 1-D operands and batched broadcasting. Reference kernel.</summary>
public sealed class MatMul(Node node) : Operator(node)
{
    private MatMulParameters? _params;

    public MatMulParameters? Parameters => _params;

    public static MatMulParameters Resolve(Node node, int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0) throw NnChecks.Error(node, "MatMul operands must have rank >= 1 (got a scalar)");
        int[] a2 = a.Length == 1 ? [1, a[0]] : a;
        int[] b2 = b.Length == 1 ? [b[0], 1] : b;
        int m = a2[^2], k = a2[^1], kb = b2[^2], n = b2[^1];
        if (k != kb) throw NnChecks.Error(node, $"inner dimensions differ: A {ShapeUtil.Format(a)} has K={k}, B {ShapeUtil.Format(b)} has K={kb}");
        int[] aBatch = a2[..^2], bBatch = b2[..^2];
        int[] batch;
        try { batch = ShapeUtil.Broadcast(aBatch, bBatch); }
        catch (ShapeException) { throw NnChecks.Error(node, $"batch dimensions of A {ShapeUtil.Format(a)} and B {ShapeUtil.Format(b)} cannot be broadcast"); }
        var output = new List<int>(batch);
        if (a.Length > 1) output.Add(m);
        if (b.Length > 1) output.Add(n);
        return new MatMulParameters(m, n, k, batch, BatchStrides(aBatch, batch, (long)m * k), BatchStrides(bBatch, batch, (long)k * n), output.ToArray());
    }

    /// <summary>Per batch dimension of the broadcast shape, the operand's stride in elements (0 where it broadcasts).</summary>
    private static long[] BatchStrides(int[] own, int[] batch, long matrixSize)
    {
        var strides = new long[batch.Length];
        long s = matrixSize;
        for (int i = batch.Length - 1; i >= 0; i--)
        {
            int j = i - (batch.Length - own.Length);
            int dim = j >= 0 ? own[j] : 1;
            strides[i] = dim == 1 ? 0 : s;
            s *= dim;
        }
        return strides;
    }

    public override void InferOutputs(InferContext ctx)
    {
        NnChecks.RequireFloat(ctx, 0, "A");
        NnChecks.RequireFloat(ctx, 1, "B");
        _params = Resolve(Node, ctx.InputShape(0), ctx.InputShape(1));
        ctx.SetOutput(0, DataType.Float32, _params.OutputShape);
    }

    private Kernels.Ops.FastGemm? _fast;

    /// <summary>Packs a constant B for the fast kernel unless the session asks for reference kernels.</summary>
    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Kernels.Ops.FastGemm.TryCreateMatMul(_params, ctx.ConstantInput(1), ctx.Options);

    public override string KernelName => _fast?.Name ?? "reference";

    /// <summary>The fast kernel packed a constant B (input 1) and never reads the original again.</summary>
    public override bool OwnsCopyOfInput(int index) => index == 1 && _fast?.PackedB == true;

    public override long PreparedWeightBytes => _fast?.WeightBytes ?? 0;

    public override void Dispose()
    {
        _fast?.Dispose();
        _fast = null;
    }

    public override long CountMacs(InferContext ctx) => Resolve(Node, ctx.InputShape(0), ctx.InputShape(1)).Macs;

    public override void Execute(ExecContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var p = _params ?? Resolve(Node, a.Shape, b.Shape);
        if (_fast != null && _params != null)
        {
            _fast.RunMatMul(p, a, b, ctx.Output(0), ctx.Pool);
            return;
        }
        Run(p, a.AsReadOnlySpan<float>(), b.AsReadOnlySpan<float>(), ctx.Output(0).AsSpan<float>());
    }

    public static void Run(MatMulParameters p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        long batches = p.BatchCount;
        for (long batch = 0; batch < batches; batch++)
        {
            // Decompose the flat batch index into the broadcast batch dims to find each operand's matrix.
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
                for (int j = 0; j < p.N; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < p.K; k++)
                        sum += (double)a[(int)(aOff + (long)i * p.K + k)] * b[(int)(bOff + (long)k * p.N + j)];
                    y[(int)(yOff + (long)i * p.N + j)] = (float)sum;
                }
        }
    }
}
