using System.Runtime.CompilerServices;
using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Fast integer fully connected layer for few rows (batch-1 classifiers): y[m, n] = requant(Σ_k (x[m, k] − x_zp) ·
/// (w[k, n] − w_zp[n]) + bias[n]) with constant weights packed once, column-major in blocks of four columns
/// (<see cref="GemvKernels"/>). At batch 1 the layer is a matrix-vector product bound by reading the weights, so
/// the weights stay 8-bit (4× fewer bytes than float) whenever |w − w_zp| ≤ 64 — the bytes form, exact with
/// pmaddubsw — and are widened to int16 otherwise. Rows are staged per run into the node's workspace (the bytes
/// form as uint8, the words form as x − x_zp); column blocks are split over the worker pool. Results are
/// bit-exact with <see cref="IntegerMatMulReference"/> + <see cref="Requantize.One"/>.
/// </summary>
public sealed unsafe class Int8Gemv
{
    private readonly Isa _isa;
    private readonly bool _bytes, _xSigned, _ySigned;
    private readonly int _k, _n, _rows, _steps, _blocks, _xZp, _yZp, _lo, _hi;
    private readonly int[] _bias;
    private readonly float[] _multiplier;
    private readonly byte[] _store;
    private readonly long _blockBytes, _offset;

    /// <summary>
    /// Builds the kernel from a QGemm / QLinearMatMul node's constant inputs (x, x_scale, x_zp, w, w_scale, w_zp,
    /// y_scale, y_zp at 0–7; the int32 bias at <paramref name="biasInput"/>, or −1 for none), or null when only the
    /// reference applies: reference kernels requested, weights not a constant matrix, or a parameter given at run time.
    /// </summary>
    public static Int8Gemv? TryCreate(Node node, PrepareContext ctx, bool transB, int biasInput)
    {
        if (LinearConstants.Gather(node, ctx, biasInput) is not { } c || c.W.Rank != 2) return null;
        var w = c.W;
        int k = transB ? w.Shape[1] : w.Shape[0];
        long elements = ShapeUtil.ElementCount(ctx.Shapes.InputShape(0));
        int n = transB ? w.Shape[0] : w.Shape[1];
        if (k == 0 || n == 0 || elements % k != 0 || elements / k > int.MaxValue) return null;
        // The packed words form (the larger) must fit one array.
        if ((k + 31L) / 32 * 64 * ((n + 3L) / 4 * 4) > int.MaxValue - 64) return null;
        return new Int8Gemv(ctx.Options.EffectiveIsa, w, transB, c.WZp, c.XSigned, c.XZp, c.XScale, c.WScale, c.YScale, c.YZp, c.YSigned,
            c.Lo, c.Hi, c.Bias, (int)(elements / k));
    }

    /// <summary>Packs <paramref name="w"/> ([K, N], or [N, K] when <paramref name="transB"/>) for <paramref name="rows"/> rows per run.</summary>
    internal Int8Gemv(Isa isa, Tensor w, bool transB, Tensor? wZp, bool xSigned, int xZp, float xScale, Tensor wScale,
        float yScale, int yZp, bool ySigned, int lo, int hi, Tensor? bias, int rows)
    {
        _isa = isa;
        _xSigned = xSigned;
        _ySigned = ySigned;
        _yZp = yZp;
        _lo = lo;
        _hi = hi;
        _rows = rows;
        _k = transB ? w.Shape[1] : w.Shape[0];
        _n = transB ? w.Shape[0] : w.Shape[1];
        var zeroPoints = new int[_n];
        for (int n = 0; n < _n; n++) zeroPoints[n] = QuantParams.ZeroPoint(wZp, n);
        _bytes = WeightsFitBytes(w, transB, zeroPoints);
        int perStep = _bytes ? GemvKernels.StepBytes : GemvKernels.StepBytes / 2;
        _steps = (_k + perStep - 1) / perStep;
        _blocks = (_n + GemvKernels.Columns - 1) / GemvKernels.Columns;
        _blockBytes = (long)_steps * GemvKernels.Columns * GemvKernels.StepBytes;
        // Pinned, with room to start the packed weights on a cache line (the loads stream them in 32-byte pieces).
        _store = GC.AllocateArray<byte>(checked((int)(_blockBytes * _blocks + 64)), pinned: true);
        _offset = (64 - (long)Unsafe.AsPointer(ref _store[0]) % 64) % 64;
        var sums = Pack(w, transB, zeroPoints);
        // The bytes form multiplies uint8 activations (int8 ones shifted by +128) and moves their zero point into
        // the bias: Σ (x − zp)·v = Σ x·v − zp·Σ v, exact modulo 2³² like the reference's wrapping sum.
        int shifted = xZp + (xSigned ? 128 : 0);
        _xZp = _bytes ? shifted : xZp;
        _bias = new int[_n];
        _multiplier = new float[_n];
        for (int n = 0; n < _n; n++)
        {
            int b = bias == null ? 0 : bias.AsReadOnlySpan<int>()[n];
            _bias[n] = _bytes ? unchecked((int)(b - (long)shifted * sums[n])) : b;
            _multiplier[n] = Requantize.Multiplier(xScale, QuantParams.Scale(wScale, n), yScale);
        }
    }

    /// <summary>Rows of x per run (the product of x's leading dimensions) this kernel was prepared for.</summary>
    public int Rows => _rows;

    /// <summary>Bytes of the packed weights this kernel holds (managed, pinned).</summary>
    public long WeightBytes => _store.Length;

    /// <summary>Workspace bytes a run needs: the staged rows.</summary>
    public long WorkspaceBytes => (long)_rows * RowBytes;

    private int RowBytes => _steps * GemvKernels.StepBytes;

    private byte* Packed => (byte*)Unsafe.AsPointer(ref _store[0]) + _offset;

    /// <summary>Kernel description for profiles.</summary>
    public string Name => "int8 gemv " + (_bytes ? "bytes " : "words ") + _isa switch
    {
        Isa.Scalar => "scalar",
        Isa.Vector128 => System.Runtime.Intrinsics.X86.Sse2.IsSupported ? "sse" : "v128",
        _ => System.Runtime.Intrinsics.X86.Avx2.IsSupported ? (_bytes ? "avx2 pmaddubsw" : "avx2 pmaddwd") : "v128",
    };

    /// <summary>Whether every |w − w_zp| ≤ 64, so the bytes form (and pmaddubsw) is exact.</summary>
    private static bool WeightsFitBytes(Tensor w, bool transB, int[] zeroPoints)
    {
        bool signed = w.Type == DataType.Int8;
        int inner = w.Shape[1];
        for (int r = 0; r < w.Shape[0]; r++)
        {
            byte* row = w.Data + (long)r * inner;
            for (int i = 0; i < inner; i++)
                if (Math.Abs(QuantParams.Load(row, i, signed) - zeroPoints[transB ? r : i]) > QuadPlaneKernels.MaxExactWeight)
                    return false;
        }
        return true;
    }

    /// <summary>Writes w − w_zp into the blocks (zero padding past K and N) and returns each column's Σ (w − w_zp).</summary>
    private long[] Pack(Tensor w, bool transB, int[] zeroPoints)
    {
        bool signed = w.Type == DataType.Int8;
        int perStep = _bytes ? GemvKernels.StepBytes : GemvKernels.StepBytes / 2;
        const int StepStride = GemvKernels.Columns * GemvKernels.StepBytes;
        var sums = new long[_n];
        byte* packed = Packed;
        // Rows of the stored matrix in order (sequential reads of a possibly huge matrix): a row is one column's
        // K weights when transB, else one k across all columns.
        int inner = w.Shape[1];
        for (int r = 0; r < w.Shape[0]; r++)
        {
            byte* row = w.Data + (long)r * inner;
            for (int i = 0; i < inner; i++)
            {
                int k = transB ? i : r, n = transB ? r : i;
                int v = QuantParams.Load(row, i, signed) - zeroPoints[n];
                sums[n] += v;
                byte* step = packed + n / GemvKernels.Columns * _blockBytes + (long)(k / perStep) * StepStride + n % GemvKernels.Columns * GemvKernels.StepBytes;
                if (_bytes) ((sbyte*)step)[k % perStep] = (sbyte)v;
                else ((short*)step)[k % perStep] = (short)v;
            }
        }
        return sums;
    }

    /// <summary>y ([rows, N], 8-bit) from x ([rows, K], 8-bit); <paramref name="workspace"/> holds <see cref="WorkspaceBytes"/>.</summary>
    public void Run(byte* x, byte* y, byte* workspace, WorkerPool pool)
    {
        for (int m = 0; m < _rows; m++) Stage(x + (long)m * _k, workspace + (long)m * RowBytes);
        var body = new Body { Kernel = this, Staged = workspace, Y = y };
        pool.For(_blocks, ref body);
    }

    /// <summary>One row as the kernels read it: uint8 (int8 + 128) for bytes, x − x_zp as int16 for words; zero padded to whole steps.</summary>
    private void Stage(byte* x, byte* dst)
    {
        if (_bytes)
        {
            if (_xSigned) for (int k = 0; k < _k; k++) dst[k] = (byte)(x[k] ^ 0x80);
            else Buffer.MemoryCopy(x, dst, _k, _k);
            new Span<byte>(dst + _k, RowBytes - _k).Clear();
            return;
        }
        short* d = (short*)dst;
        for (int k = 0; k < _k; k++) d[k] = (short)(QuantParams.Load(x, k, _xSigned) - _xZp);
        new Span<short>(d + _k, RowBytes / 2 - _k).Clear();
    }

    /// <summary>All rows of one block of four output columns.</summary>
    private void RunBlock(byte* staged, byte* y, int block)
    {
        int* acc = stackalloc int[GemvKernels.Columns];
        byte* w = Packed + block * _blockBytes;
        int n0 = block * GemvKernels.Columns, columns = Math.Min(GemvKernels.Columns, _n - n0);
        for (int m = 0; m < _rows; m++)
        {
            byte* row = staged + (long)m * RowBytes;
            if (_bytes) GemvKernels.Bytes(_isa, row, (sbyte*)w, _steps, acc);
            else GemvKernels.Words(_isa, (short*)row, (short*)w, _steps, acc);
            long at = (long)m * _n + n0;
            for (int c = 0; c < columns; c++)
                QuantParams.Store(y, at + c, _ySigned, Requantize.One(unchecked(acc[c] + _bias[n0 + c]), _multiplier[n0 + c], _yZp, _lo, _hi));
        }
    }

    private struct Body : IParallelBody
    {
        public Int8Gemv Kernel;
        public byte* Staged, Y;

        public readonly void Invoke(int index) => Kernel.RunBlock(Staged, Y, index);
    }
}
