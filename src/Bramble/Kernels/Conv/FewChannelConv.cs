using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Direct convolution for layers with few input channels (at most <see cref="MaxInChannels"/>; a network's first layer:
/// RGB in, 3×3 to 7×7 taps, stride 1 or 2). The implicit GEMM gathers a K × pixels matrix for them (K = channels·taps,
/// 27–147) whose every element feeds only as many multiply-adds as there are output channels (16–64): the gather cost
/// 70 % as much as the multiply (BlazeFace's 5×5 stride-2 layer ran at 2.65× ONNX Runtime's time). Here the input is
/// copied into zero-padded <em>phase planes</em> — plane (py, px) of a channel holds the padded input's rows py, py + s, …
/// and columns px, px + s, … — so that what a tap (c, ky, kx) reads for 2·V consecutive output pixels of one row is 2·V
/// consecutive floats of one phase plane, at a per-tap offset fixed when the layer is prepared. The micro-kernel is the
/// GEMM's 6 × 2V register tile with its B rows read in place through that offset table: nothing is gathered per run,
/// and the planes hold each input value once.
/// </summary>
/// <remarks>
/// Work is cut into bands of output rows (their planes ≈ <see cref="BandBytes"/>, in L2), spread over the worker pool;
/// each thread builds its band's planes, then computes its rows. A tile never spans two output rows: without a residual
/// the last tile of a row is the whole tile ending at the row's end (the overlap is written twice with the same values),
/// otherwise it is staged and only its valid columns stored. Bias, a residual and Relu/Clip are applied in registers;
/// other activations run over each finished row (same formulas as <see cref="EpilogueVector"/>).
/// </remarks>
internal sealed unsafe class FewChannelConv : IDisposable
{
    /// <summary>
    /// Most input channels routed here: up to where 3×3 layers take Winograd instead (<see cref="WinogradSelection.MinChannels"/>).
    /// Against the implicit GEMM it measured 0.65–0.87× on first layers (3 channels) and 0.67–0.99× with 8–16 channels,
    /// where Winograd's 1.3–1.5× over the GEMM still wins.
    /// </summary>
    internal const int MaxInChannels = WinogradSelection.MinChannels - 1;

    private const int MR = 6;

    private readonly ConvGeometry _g;
    private readonly NativeBuffer _weights; // output-channel panels of MR rows, k-major (GemmPacking.PackA layout)
    private readonly int[] _offsets;        // per tap k: its first float in the phase planes, relative to a tile's origin
    private readonly int _bandRows, _planeRows, _planeWidth, _vector;
    private readonly Isa _isa;

    /// <summary>Bytes of one band's phase planes to aim for: well inside a 512 KiB L2 beside the output rows being written.</summary>
    private const long BandBytes = 96 * 1024;

    /// <summary>Whether <paramref name="g"/> runs here under <paramref name="isa"/>.</summary>
    public static bool Handles(in ConvGeometry g, Isa isa) =>
        g.Groups == 1 && !g.IsDepthwise && g.InChannels <= MaxInChannels && !g.IsPointwise && g.KernelSize <= GemmKernel.KC
        && g.DilationH == 1 && g.DilationW == 1 && g.StrideH == g.StrideW && g.StrideH is 1 or 2
        && ((isa >= Isa.Vector256 && F256.Supported) || (isa >= Isa.Vector128 && F128.Supported));

    /// <summary>Packs <paramref name="weights"/> ([OC, C, kh, kw]) for <paramref name="g"/>, which <see cref="Handles"/> must accept.</summary>
    public FewChannelConv(in ConvGeometry g, float* weights, Isa isa)
    {
        _g = g;
        _isa = CpuFeatures.Effective(isa);
        _vector = _isa >= Isa.Vector256 && F256.Supported ? 8 : 4;
        int s = g.StrideH, k = g.KernelSize, panels = (g.OutChannels + MR - 1) / MR;
        // Columns of a phase plane: every tap of every output, and of the whole last tile of a row, inside.
        int tile = 2 * _vector;
        _planeWidth = (g.OutWidth + tile - 1) / tile * tile + (g.KernelW - 1) / s;
        // A band of output rows at a time: its phase planes (rows the band's taps read) stay in L2 while it is computed.
        long bytesPerRow = (long)g.InChannels * s * s * _planeWidth * sizeof(float);
        _bandRows = (int)Math.Clamp(BandBytes / bytesPerRow, 1, g.OutHeight);
        _planeRows = _bandRows + (g.KernelH - 1) / s;
        _offsets = new int[k];
        int planeSize = _planeRows * _planeWidth;
        for (int c = 0, t = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < g.KernelH; ky++)
                for (int kx = 0; kx < g.KernelW; kx++, t++)
                    _offsets[t] = ((c * s + ky % s) * s + kx % s) * planeSize + ky / s * _planeWidth + kx / s;
        _weights = PackedWeights.Allocate((long)panels * MR * k * sizeof(float));
        if (!PackedWeights.Prefilled)
            GemmPacking.PackA((float*)_weights.Pointer, weights, k, false, g.OutChannels, 0, panels * MR, 0, k, MR);
    }

    /// <summary>Bytes of the packed weights.</summary>
    public long WeightBytes => _weights.ByteLength;

    /// <summary>One image: input [C, H, W] → output [OC, OH, OW]; bias per output channel (PerRow), residual shaped like the output.</summary>
    public void Run(float* x, float* y, in Epilogue epilogue, WorkerPool? pool)
    {
        // At least four bands per thread, so a late or preempted thread holds the others up by little.
        int threads = pool?.ThreadCount ?? 1, oh = _g.OutHeight;
        int rows = threads == 1 ? _bandRows : Math.Clamp((oh + 4 * threads - 1) / (4 * threads), 1, _bandRows);
        var bands = new BandJob { Conv = this, X = x, Y = y, Epilogue = epilogue, Rows = rows };
        int count = (oh + rows - 1) / rows;
        if (pool == null) for (int b = 0; b < count; b++) bands.Invoke(b);
        else pool.For(count, ref bands);
    }

    /// <summary>Output rows [oy0, oy1): this thread's phase planes of the band, then its rows.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private void RunBand(float* x, float* y, in Epilogue e, int oy0, int oy1)
    {
        int s = _g.StrideH, planeRows = oy1 - oy0 + (_g.KernelH - 1) / s;
        // The thread's grow-only aligned scratch (shared with the other per-layer kernels; one layer runs at a time).
        float* planes = DepthwiseInterleaved.Scratch.Get((long)_g.InChannels * s * s * _planeRows * _planeWidth);
        for (int i = 0; i < _g.InChannels * s * s; i++) FillPlane(x, planes, i, oy0, planeRows);
        for (int oy = oy0; oy < oy1; oy++) ComputeRow(planes + (long)(oy - oy0) * _planeWidth, y, e, oy);
    }

    /// <summary>
    /// Rows [0, <paramref name="rows"/>) of phase plane i (channel c, phase py, px) of the band from output row
    /// <paramref name="oy0"/>: row a, column b hold the padded input at row (oy0 + a)·s + py, column b·s + px, zero outside
    /// the image.
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private void FillPlane(float* x, float* planes, int i, int oy0, int rows)
    {
        var g = _g;
        int s = g.StrideH, c = i / (s * s), py = i / s % s, px = i % s;
        float* plane = planes + (long)i * _planeRows * _planeWidth;
        float* channel = x + (long)c * g.InHeight * g.InWidth;
        // Columns b whose input column b·s + px − pl lies in [0, W).
        int bLo = Math.Min(_planeWidth, Math.Max(0, (g.PadLeft - px + s - 1) / s));
        int bHi = Math.Clamp((g.InWidth + g.PadLeft - px + s - 1) / s, bLo, _planeWidth);
        for (int a = 0; a < rows; a++)
        {
            float* row = plane + (long)a * _planeWidth;
            int iy = (oy0 + a) * s + py - g.PadTop;
            if ((uint)iy >= (uint)g.InHeight)
            {
                RowCopy.Zero(row, _planeWidth);
                continue;
            }
            float* src = channel + (long)iy * g.InWidth;
            RowCopy.Zero(row, bLo);
            float* first = src + bLo * s + px - g.PadLeft;
            if (s == 1) RowCopy.Copy(first, row + bLo, bHi - bLo);
            else RowCopy.GatherEven(first, row + bLo, bHi - bLo, src + g.InWidth);
            RowCopy.Zero(row + bHi, _planeWidth - bHi);
        }
    }

    /// <summary>Output row <paramref name="oy"/>, whose phase-plane row starts at <paramref name="planes"/>: every tile of 2·V pixels × every panel of six output channels.</summary>
    private void ComputeRow(float* planes, float* y, in Epilogue e, int oy)
    {
        if (_vector == 8) ComputeRow<F256, Vector256<float>>(planes, y, e, oy);
        else ComputeRow<F128, Vector128<float>>(planes, y, e, oy);
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private void ComputeRow<TS, TV>(float* planes, float* y, in Epilogue e, int oy) where TS : struct, ISimdF<TV> where TV : struct
    {
        var g = _g;
        int n = g.OutHeight * g.OutWidth, m = g.OutChannels, k = g.KernelSize, tile = 2 * TS.Count, ow = g.OutWidth;
        // Relu and Clip are a clamp in registers; other activations run over the finished row (or, with a residual,
        // over each finished tile), on x + bias + residual.
        bool clamp = e.Activation is Activation.Relu or Activation.Clip;
        bool residual = e.Residual != null;
        TV lo = TS.Splat(clamp ? e.ClampLow : float.NegativeInfinity), hi = TS.Splat(clamp ? e.ClampHigh : float.PositiveInfinity);
        TV open = TS.Splat(float.NegativeInfinity), openHigh = TS.Splat(float.PositiveInfinity);
        var activation = new Epilogue(e.Activation, e.Alpha, e.Beta);
        bool activate = !clamp && e.Activation != Activation.None;
        float* staged = stackalloc float[MR * 2 * 8];
        fixed (int* offsets = _offsets)
        {
            for (int ox = 0; ox < ow; ox += tile)
            {
                int cols = Math.Min(tile, ow - ox);
                // Without a residual the ragged last tile of a row is computed as a whole tile ending at the row's end:
                // its overlap is written again with the same values (K is one pass, nothing accumulates).
                int x0 = cols < tile && !residual && ow >= tile ? ow - tile : ox;
                int col = oy * ow + x0;
                for (int r0 = 0; r0 < m; r0 += MR)
                {
                    int rows = Math.Min(MR, m - r0);
                    float* a = (float*)_weights.Pointer + (long)r0 * k;
                    float* c = y + (long)r0 * n + col;
                    if (x0 + tile <= ow)
                    {
                        Tile<TS, TV>(k, a, planes + x0, offsets, c, n, e, r0, col, rows, e.Residual, lo, hi);
                        if (activate && residual) activation.Apply(c, n, rows, tile, r0, col, _isa);
                        continue;
                    }
                    // A row narrower than a tile, or the ragged last tile with a residual (which has no columns past the
                    // row to load whole vectors from): staged with the bias, then its valid columns finished in place.
                    Tile<TS, TV>(k, a, planes + x0, offsets, staged, tile, e, r0, col, rows, null, residual ? open : lo, residual ? openHigh : hi);
                    for (int r = 0; r < rows; r++)
                        new ReadOnlySpan<float>(staged + r * tile, cols).CopyTo(new Span<float>(c + (long)r * n, cols));
                    if (residual) e.WithoutBias.Apply(c, n, rows, cols, r0, col, _isa);
                }
            }
        }
        if (activate && !residual) activation.Apply(y + (long)oy * ow, n, m, ow, 0, oy * ow, _isa);
    }

    /// <summary>
    /// Output channels [r0, r0 + rows) × 2·V pixels at column <paramref name="col"/>: B's row k is the 2·V floats at
    /// origin + offsets[k]. Bias and <paramref name="residual"/> (unless null) are added, then the clamp [lo, hi].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TS, TV>(int kc, float* a, float* origin, int* offsets, float* c, int ldc, in Epilogue e, int r0, int col, int rows,
        float* residual, TV lo, TV hi) where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count;
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        for (int t = 0; t < kc; t++)
        {
            float* p = origin + offsets[t];
            TV b0 = TS.Load(p), b1 = TS.Load(p + v);
            TV w = TS.Splat(a[0]); c00 = TS.Fma(w, b0, c00); c01 = TS.Fma(w, b1, c01);
            w = TS.Splat(a[1]); c10 = TS.Fma(w, b0, c10); c11 = TS.Fma(w, b1, c11);
            w = TS.Splat(a[2]); c20 = TS.Fma(w, b0, c20); c21 = TS.Fma(w, b1, c21);
            w = TS.Splat(a[3]); c30 = TS.Fma(w, b0, c30); c31 = TS.Fma(w, b1, c31);
            w = TS.Splat(a[4]); c40 = TS.Fma(w, b0, c40); c41 = TS.Fma(w, b1, c41);
            w = TS.Splat(a[5]); c50 = TS.Fma(w, b0, c50); c51 = TS.Fma(w, b1, c51);
            a += MR;
        }
        Finish<TS, TV>(c00, c01, c, e, r0, col, residual, lo, hi);
        if (rows > 1) Finish<TS, TV>(c10, c11, c + ldc, e, r0 + 1, col, residual, lo, hi);
        if (rows > 2) Finish<TS, TV>(c20, c21, c + 2 * ldc, e, r0 + 2, col, residual, lo, hi);
        if (rows > 3) Finish<TS, TV>(c30, c31, c + 3 * ldc, e, r0 + 3, col, residual, lo, hi);
        if (rows > 4) Finish<TS, TV>(c40, c41, c + 4 * ldc, e, r0 + 4, col, residual, lo, hi);
        if (rows > 5) Finish<TS, TV>(c50, c51, c + 5 * ldc, e, r0 + 5, col, residual, lo, hi);
    }

    /// <summary>One tile row: + bias, + residual (when stored in place), clamp, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TS, TV>(TV x0, TV x1, float* c, in Epilogue e, int row, int col, float* residual, TV lo, TV hi)
        where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count;
        if (e.BiasKind == BiasKind.PerRow)
        {
            TV b = TS.Splat(e.Bias[row]);
            x0 = TS.Add(x0, b);
            x1 = TS.Add(x1, b);
        }
        if (residual != null)
        {
            float* r = residual + (long)row * e.ResidualStride + col;
            x0 = TS.Add(x0, TS.Load(r));
            x1 = TS.Add(x1, TS.Load(r + v));
        }
        TS.Store(TS.Min(TS.Max(x0, lo), hi), c);
        TS.Store(TS.Min(TS.Max(x1, lo), hi), c + v);
    }

    public void Dispose() => _weights.Dispose();

    private struct BandJob : IParallelBody
    {
        public FewChannelConv Conv;
        public float* X, Y;
        public Epilogue Epilogue;
        public int Rows;

        public readonly void Invoke(int index) =>
            Conv.RunBand(X, Y, Epilogue, index * Rows, Math.Min(Conv._g.OutHeight, (index + 1) * Rows));
    }
}
