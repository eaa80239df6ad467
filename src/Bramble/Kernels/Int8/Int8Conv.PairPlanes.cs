using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Ops.Quantized;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The pair-plane path for ungrouped convolutions (any kernel size, stride, dilation and padding, 1×1
/// included): instead of an im2col copy that repeats every input value k·k times, the input is written once
/// into zero-padded "pair planes" — plane p holds, per padded pixel, the int32 pair (x[2p] − zp, x[2p+1] − zp)
/// in int16 halves. A strided convolution splits each plane into sh·sw phases (padded rows ≡ py mod sh,
/// columns ≡ px mod sw), so that in every phase consecutive outputs read consecutive pixels. Output pixels
/// are numbered over the grid width Wq (q = oh·Wq + ow), so the pixel that tap (ky, kx) of output q reads is
/// q + ⌊ky·dh/sh⌋·Wq + ⌊kx·dw/sw⌋ in phase (ky·dh mod sh, kx·dw mod sw): for every reduction pair the 16
/// columns of a tile are 16 consecutive ints, loaded straight by <see cref="PairPlaneKernels"/>. The
/// Wq − ow0 columns per row that fall past the edge are computed and dropped (a few percent on wide maps).
/// </summary>
public sealed unsafe partial class Int8Conv
{
    private const int PlaneSlack = PairPlaneKernels.NR;
    private readonly bool _pairPlanes;
    private readonly int _cPairs, _hq, _wq, _phaseInts, _planeInts, _flatColumns, _tiles;
    // Per reduction pair kk (channel pair outer, then ky, kx): its input offset from a column's pixel.
    private readonly int[] _offsets = [];
    // Which phases (py · sw + px) some tap reads: the others are never built.
    private readonly bool[] _phaseUsed = [];

    private static bool UsesPairPlanes(ConvParameters p) => p.Group == 1 && p.Window.Kernel[0] == 1;

    /// <summary>Grid geometry: phase rows and columns, and each phase's ints.</summary>
    private static (int Hq, int Wq) PhaseGrid(SlidingWindow win) =>
        (win.Output[1] + (win.Kernel[1] - 1) * win.Dilation[1] / win.Stride[1],
         win.Output[2] + (win.Kernel[2] - 1) * win.Dilation[2] / win.Stride[2]);

    /// <summary>Weight panels of 6 rows over the pair-plane reduction order, the tap offsets and the phases they read.</summary>
    private static int[] PackPairPlaneWeights(ConvParameters p, Tensors.Tensor w, Tensors.Tensor? wZp, int cPairs, int wq, int phaseInts,
        int planeInts, out int[] offsets, out bool[] phaseUsed)
    {
        var win = p.Window;
        int taps = win.KernelSize, kw = win.Kernel[2], c = p.InChannels, m = p.OutChannels;
        int sh = win.Stride[1], sw = win.Stride[2];
        int kPairs = cPairs * taps;
        offsets = new int[kPairs];
        phaseUsed = new bool[sh * sw];
        for (int t = 0; t < taps; t++)
        {
            int dy = t / kw * win.Dilation[1], dx = t % kw * win.Dilation[2];
            int phase = dy % sh * sw + dx % sw;
            phaseUsed[phase] = true;
            for (int cp = 0; cp < cPairs; cp++)
                offsets[cp * taps + t] = cp * planeInts + phase * phaseInts + dy / sh * wq + dx / sw;
        }
        const int MR = PairPlaneKernels.MR;
        bool wSigned = w.Type == Tensors.DataType.Int8;
        int panels = (m + MR - 1) / MR;
        var packed = GC.AllocateArray<int>(panels * kPairs * MR, pinned: true);
        for (int mi = 0; mi < m; mi++)
        {
            int zp = QuantParams.ZeroPoint(wZp, mi), panel = mi / MR, r = mi % MR;
            for (int cp = 0; cp < cPairs; cp++)
                for (int t = 0; t < taps; t++)
                {
                    int c0 = 2 * cp, c1 = c0 + 1;
                    int v0 = QuantParams.Load(w.Data, ((long)mi * c + c0) * taps + t, wSigned) - zp;
                    int v1 = c1 < c ? QuantParams.Load(w.Data, ((long)mi * c + c1) * taps + t, wSigned) - zp : 0;
                    packed[(panel * kPairs + cp * taps + t) * MR + r] = Int8MicroKernels.Pair(v0, v1);
                }
        }
        return packed;
    }

    private void RunPairPlanes(byte* x, byte* y, WorkerPool pool)
    {
        int* planes = PairPlaneBuffer(_cPairs * _planeInts);
        // Tiles per block: enough blocks for every thread to claim several, at most what keeps a block's
        // slice of the planes (its rows plus the kernel's reach, over all channel pairs) near L2-resident.
        int phases = 0;
        foreach (bool used in _phaseUsed) phases += used ? 1 : 0;
        int rowBytes = _cPairs * phases * _wq * sizeof(int);
        int reachRows = _hq - _p.Window.Output[1] + 1;
        int byCache = Math.Max(1, ((192 * 1024 / Math.Max(1, rowBytes) - reachRows) * _wq) / PairPlaneKernels.NR);
        int byThreads = Math.Max(1, _tiles / (4 * pool.ThreadCount));
        int tilesPerBlock = Math.Min(byCache, byThreads);
        int blocks = (_tiles + tilesPerBlock - 1) / tilesPerBlock;
        int planeBytes = _p.InChannels * _p.Window.Input[1] * _p.Window.Input[2];
        for (int n = 0; n < _p.Batch; n++)
        {
            var build = new PairPlaneBuild { Kernel = this, X = x + (long)n * planeBytes, Planes = planes };
            pool.For(_cPairs, ref build);
            var gemm = new PairPlaneGemm
            {
                Kernel = this, Planes = planes, Y = y + (long)n * _p.OutChannels * _p.Window.OutputSize, TilesPerBlock = tilesPerBlock,
            };
            pool.For(blocks, ref gemm);
        }
    }

    // The planes are written by every thread of one Run and read by all: one buffer per calling thread (a session
    // runs on its caller's thread), grown once and reused, so steady-state runs allocate nothing.
    [ThreadStatic] private static int[]? t_pairPlanes;

    private static int* PairPlaneBuffer(int ints)
    {
        var s = t_pairPlanes;
        if (s == null || s.Length < ints) t_pairPlanes = s = GC.AllocateArray<int>(ints, pinned: true);
        return (int*)Unsafe.AsPointer(ref s[0]);
    }

    private struct PairPlaneBuild : IParallelBody
    {
        public Int8Conv Kernel;
        public byte* X;
        public int* Planes;

        public readonly void Invoke(int index) => Kernel.BuildPairPlane(X, Planes + (long)index * Kernel._planeInts, index);
    }

    private struct PairPlaneGemm : IParallelBody
    {
        public Int8Conv Kernel;
        public int* Planes;
        public byte* Y;
        public int TilesPerBlock;

        public readonly void Invoke(int index)
        {
            int t0 = index * TilesPerBlock;
            Kernel.RunPairPlaneTiles(Planes, Y, t0, Math.Min(Kernel._tiles, t0 + TilesPerBlock));
        }
    }

    /// <summary>Plane <paramref name="cp"/>: the used phases' rows of (x[2cp] − zp, x[2cp+1] − zp) pairs, zero in the padding.</summary>
    private void BuildPairPlane(byte* x, int* plane, int cp)
    {
        var win = _p.Window;
        int h = win.Input[1], w = win.Input[2], pt = win.PadBegin[1], pl = win.PadBegin[2];
        int sh = win.Stride[1], sw = win.Stride[2];
        long planeSize = (long)h * w;
        byte* first = x + 2L * cp * planeSize;
        byte* second = 2 * cp + 1 < _p.InChannels ? first + planeSize : null;
        for (int phase = 0; phase < _phaseUsed.Length; phase++)
        {
            if (!_phaseUsed[phase]) continue;
            int py = phase / sw, px = phase % sw;
            // Grid columns j whose input column iw = px + j·sw − pl lies in [0, w).
            int jLo = Math.Min(_wq, Math.Max(0, (pl - px + sw - 1) / sw));
            int jHi = Math.Clamp((w + pl - px + sw - 1) / sw, jLo, _wq);
            int* rows = plane + (long)phase * _phaseInts;
            for (int i = 0; i < _hq; i++)
            {
                int* row = rows + (long)i * _wq;
                int ih = py + i * sh - pt;
                if ((uint)ih >= (uint)h || jHi == jLo)
                {
                    new Span<int>(row, _wq).Clear();
                    continue;
                }
                new Span<int>(row, jLo).Clear();
                long start = (long)ih * w + px + jLo * sw - pl;
                if (sw == 1) PairRow(first + start, second == null ? null : second + start, jHi - jLo, row + jLo);
                else PairRowStrided(first + start, second == null ? null : second + start, sw, jHi - jLo, row + jLo);
                new Span<int>(row + jHi, _wq - jHi).Clear();
            }
        }
    }

    /// <summary>dst[i] = pair(a[i·step] − zp, b[i·step] − zp) for i &lt; count (b null: the high halves are 0).</summary>
    private void PairRowStrided(byte* a, byte* b, int step, int count, int* dst)
    {
        for (int i = 0; i < count; i++)
        {
            int lo = QuantParams.Load(a, (long)i * step, _xSigned) - _xZp;
            int hi = b == null ? 0 : QuantParams.Load(b, (long)i * step, _xSigned) - _xZp;
            dst[i] = Int8MicroKernels.Pair(lo, hi);
        }
    }

    /// <summary>dst[i] = pair(a[i] − zp, b[i] − zp) for i &lt; count (b null: the high halves are 0).</summary>
    private void PairRow(byte* a, byte* b, int count, int* dst)
    {
        int i = 0;
        if (_isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var zp = Vector256.Create(_xZp);
            var low = Vector256.Create(0xFFFF);
            for (; i + 8 <= count; i += 8)
            {
                var lo = Avx2.And(Avx2.Subtract(Widen8(a + i), zp), low);
                var hi = b == null ? Vector256<int>.Zero : Avx2.ShiftLeftLogical(Avx2.Subtract(Widen8(b + i), zp), 16);
                Avx.Store(dst + i, Avx2.Or(lo, hi));
            }
        }
        else if (_isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            var zp = Vector128.Create(_xZp);
            var low = Vector128.Create(0xFFFF);
            for (; i + 4 <= count; i += 4)
            {
                var lo = (Widen4(a + i) - zp) & low;
                var hi = b == null ? Vector128<int>.Zero : (Widen4(b + i) - zp) << 16;
                (lo | hi).Store(dst + i);
            }
        }
        for (; i < count; i++)
        {
            int lo = QuantParams.Load(a, i, _xSigned) - _xZp;
            int hi = b == null ? 0 : QuantParams.Load(b, i, _xSigned) - _xZp;
            dst[i] = Int8MicroKernels.Pair(lo, hi);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<int> Widen8(byte* p) =>
        _xSigned ? Avx2.ConvertToVector256Int32((sbyte*)p) : Avx2.ConvertToVector256Int32(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<int> Widen4(byte* p)
    {
        var bytes = Vector128.CreateScalar(*(int*)p).AsByte();
        return _xSigned
            ? Vector128.WidenLower(Vector128.WidenLower(bytes.AsSByte())).AsInt32()
            : Vector128.WidenLower(Vector128.WidenLower(bytes)).AsInt32();
    }

    /// <summary>Tiles [t0, t1) of 16 padded-grid columns for every output channel: multiply, requantize, keep the real pixels.</summary>
    private void RunPairPlaneTiles(int* planes, byte* y, int t0, int t1)
    {
        const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
        int* acc = Scratch(MR * NR + NR / sizeof(int), out var pin);
        byte* bytes = (byte*)(acc + MR * NR);
        int m = _p.OutChannels, outSize = _p.Window.OutputSize;
        int kPairs = _offsets.Length;
        // Per tile, the runs of real pixels: (first lane, output index, length); a 16-lane tile spans at most 16 runs.
        int* runs = stackalloc int[3 * NR];
        fixed (int* packed = _packed, offsets = _offsets)
        {
            for (int m0 = 0; m0 < m; m0 += MR)
            {
                int* a = packed + (long)m0 * kPairs;
                int rows = Math.Min(MR, m - m0);
                for (int t = t0; t < t1; t++)
                {
                    int q0 = t * NR;
                    PairPlaneKernels.Run(_isa, a, planes + q0, offsets, kPairs, acc);
                    int runCount = PixelRuns(q0, runs);
                    for (int r = 0; r < rows; r++)
                    {
                        int mm = m0 + r;
                        RequantizeRow.Run(_isa, acc + r * NR, NR, _bias[mm], _multiplier[mm], _yZp, _lo, _hi, bytes, _ySigned);
                        byte* dst = y + (long)mm * outSize;
                        for (int s = 0; s < runCount; s++)
                            Buffer.MemoryCopy(bytes + runs[3 * s], dst + runs[3 * s + 1], runs[3 * s + 2], runs[3 * s + 2]);
                    }
                }
            }
        }
        GC.KeepAlive(pin);
    }

    /// <summary>The runs of lanes of the tile starting at column <paramref name="q0"/> that are real output pixels.</summary>
    private int PixelRuns(int q0, int* runs)
    {
        int ow0 = _p.Window.Output[2], count = 0;
        int q = q0, end = Math.Min(q0 + PairPlaneKernels.NR, _flatColumns);
        while (q < end)
        {
            int oh = q / _wq, ow = q % _wq;
            int rowEnd = Math.Min(end, oh * _wq + ow0);
            if (ow < ow0)
            {
                runs[3 * count] = q - q0;
                runs[3 * count + 1] = oh * ow0 + ow;
                runs[3 * count + 2] = rowEnd - q;
                count++;
            }
            q = (oh + 1) * _wq;
        }
        return count;
    }
}
