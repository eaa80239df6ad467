using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Kernels.Ops;

/// <summary>
/// Glue between the Gemm/MatMul operators and <see cref="Sgemm"/>: a constant right operand is packed
/// once in Prepare; Gemm's C becomes a fused bias when it is a row or column vector with beta = 1,
/// otherwise Y is first filled with beta·C and the product accumulated onto it.
/// </summary>
internal sealed unsafe class FastGemm : IDisposable
{
    private readonly PackedMatrix? _packedB;
    private readonly Isa _isa;

    private FastGemm(PackedMatrix? packedB, Isa isa)
    {
        _packedB = packedB;
        _isa = isa;
    }

    public string Name => _packedB?.KernelName ?? GemmKernel.Select(_isa).Name;

    /// <summary>True when B was packed: runs never read the original B.</summary>
    public bool PackedB => _packedB != null;

    /// <summary>Bytes of the packed copy of B (0 when B is read in place).</summary>
    public long WeightBytes => _packedB?.ByteLength ?? 0;

    /// <summary>Frees the packed B.</summary>
    public void Dispose() => _packedB?.Dispose();

    public static FastGemm? TryCreate(GemmParameters p, Tensor? b, SessionOptions options)
    {
        if (options.ReferenceKernels) return null;
        var packed = b == null ? null : PackedMatrix.PackB(PackedWeights.Source(b), p.TransB ? p.K : p.N, p.TransB, p.K, p.N, options.MaxIsa);
        return new FastGemm(packed, options.MaxIsa);
    }

    public void RunGemm(GemmParameters p, Tensor a, Tensor b, Tensor? c, Tensor y, WorkerPool pool) =>
        RunGemm(p, a, b, c, y, pool, Activation.None, 0, 0);

    /// <summary>Gemm with a fused activation (FusedGemm) applied in the epilogue after bias.</summary>
    public void RunGemm(GemmParameters p, Tensor a, Tensor b, Tensor? c, Tensor y, WorkerPool pool, Activation activation, float actAlpha, float actBeta)
    {
        float* pa = (float*)a.Data, pc = c == null ? null : (float*)c.Data, py = (float*)y.Data;
        int lda = p.TransA ? p.M : p.K;
        var e = new Epilogue(activation, actAlpha, actBeta);
        float beta = 0;
        if (c != null && p.Beta != 0)
        {
            if (p.Beta == 1 && p.CRows == 1 && p.CCols == p.N && p.N > 1) e = new Epilogue(activation, actAlpha, actBeta, pc, BiasKind.PerColumn);
            else if (p.Beta == 1 && p.CCols == 1 && p.CRows == p.M && p.M > 1) e = new Epilogue(activation, actAlpha, actBeta, pc, BiasKind.PerRow);
            else
            {
                for (int i = 0; i < p.M; i++)
                    for (int j = 0; j < p.N; j++)
                        py[(long)i * p.N + j] = p.Beta * pc[(p.CRows == 1 ? 0 : i) * p.CCols + (p.CCols == 1 ? 0 : j)];
                beta = 1;
            }
        }
        if (_packedB != null)
            Sgemm.Multiply(p.M, p.Alpha, pa, lda, p.TransA, _packedB, beta, py, p.N, e, pool);
        else
            Sgemm.Multiply(p.M, p.N, p.K, p.Alpha, pa, lda, p.TransA, (float*)b.Data, p.TransB ? p.K : p.N, p.TransB, beta, py, p.N, e, pool, _isa);
    }

    /// <summary>MatMul: when B is one constant matrix and A's batches are contiguous, all batches are one GEMM with batch·M rows.</summary>
    public static FastGemm? TryCreateMatMul(MatMulParameters p, Tensor? b, SessionOptions options)
    {
        if (options.ReferenceKernels) return null;
        bool bIsOneMatrix = Array.TrueForAll(p.BBatchStrides, s => s == 0);
        var packed = b != null && bIsOneMatrix ? PackedMatrix.PackB(PackedWeights.Source(b), p.N, false, p.K, p.N, options.MaxIsa) : null;
        return new FastGemm(packed, options.MaxIsa);
    }

    public void RunMatMul(MatMulParameters p, Tensor a, Tensor b, Tensor y, WorkerPool pool)
    {
        // B's data is read only when it was not packed: a packed B's original may have been freed.
        float* pa = (float*)a.Data, pb = _packedB == null ? (float*)b.Data : null, py = (float*)y.Data;
        long batches = p.BatchCount;
        if (_packedB != null && AContiguous(p))
        {
            Sgemm.Multiply(checked((int)(batches * p.M)), 1, pa, p.K, false, _packedB, 0, py, p.N, Epilogue.None, pool);
            return;
        }
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
            float* yb = py + batch * p.M * p.N;
            if (_packedB != null)
                Sgemm.Multiply(p.M, 1, pa + aOff, p.K, false, _packedB, 0, yb, p.N, Epilogue.None, pool);
            else
                Sgemm.Multiply(p.M, p.N, p.K, 1, pa + aOff, p.K, false, pb + bOff, p.N, false, 0, yb, p.N, Epilogue.None, pool, _isa);
        }
    }

    private static bool AContiguous(MatMulParameters p)
    {
        for (int d = 0; d < p.BatchShape.Length; d++)
            if (p.BatchShape[d] != 1 && p.ABatchStrides[d] == 0) return false;
        return true;
    }
}
