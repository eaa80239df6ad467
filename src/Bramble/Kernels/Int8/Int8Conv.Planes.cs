using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The plane path for ungrouped convolutions (any kernel size, stride, dilation and padding, 1×1 included):
/// instead of an im2col copy that repeats every input value k·k times, the input is written once into padded
/// "channel planes" — plane p holds, per padded pixel, one int32 carrying a group of channels: either a pair
/// (x[2p] − zp, x[2p+1] − zp) in int16 halves for <see cref="PairPlaneKernels"/>, or, when every weight fits
/// 7 bits, a quad of raw bytes x[4p..4p+3] for <see cref="QuadPlaneKernels"/> (the zero point then moves into
/// the bias: Σ (x − zp)·w = Σ x·w − zp·Σ w; padding holds zp). A strided convolution splits each plane into
/// sh·sw phases (padded rows ≡ py mod sh, columns ≡ px mod sw), so that in every phase consecutive outputs read
/// consecutive pixels. Output pixels are numbered over the grid width Wq (q = oh·Wq + ow), so the pixel that tap
/// (ky, kx) of output q reads is q + ⌊ky·dh/sh⌋·Wq + ⌊kx·dw/sw⌋ in phase (ky·dh mod sh, kx·dw mod sw): for every
/// reduction step the 16 columns of a tile are 16 consecutive ints, loaded in place by the micro-kernel. The
/// Wq − ow0 columns per row past the edge are computed and dropped (a few percent on wide maps).
/// </summary>
public sealed unsafe partial class Int8Conv
{
    private const int PlaneSlack = PairPlaneKernels.NR;
    private readonly bool _planes, _quads;
    private readonly int _channelGroups, _hq, _wq, _phaseInts, _planeInts, _flatColumns, _tiles;
    // Per reduction step kk (channel group outer, then ky, kx): its input offset from a column's pixel.
    private readonly int[] _offsets = [];
    // Which phases (py · sw + px) some tap reads: the others are never built.
    private readonly bool[] _phaseUsed = [];

    private static bool UsesPlanes(ConvParameters p) => p.Group == 1 && p.Window.Kernel[0] == 1;

    /// <summary>Rows and columns of one phase of a plane.</summary>
    private static (int Hq, int Wq) PhaseGrid(SlidingWindow win) =>
        (win.Output[1] + (win.Kernel[1] - 1) * win.Dilation[1] / win.Stride[1],
         win.Output[2] + (win.Kernel[2] - 1) * win.Dilation[2] / win.Stride[2]);

    /// <summary>Whether every w − w_zp is small enough for the quad kernels to be exact (and the machine has them).</summary>
    private static bool WeightsFitQuads(Tensor w, Tensor? wZp, int m)
    {
        if (!QuadPlaneKernels.Supported) return false;
        bool wSigned = w.Type == DataType.Int8;
        long perChannel = w.Length / m;
        for (long i = 0; i < w.Length; i++)
            if (Math.Abs(QuantParams.Load(w.Data, i, wSigned) - QuantParams.ZeroPoint(wZp, (int)(i / perChannel))) > QuadPlaneKernels.MaxExactWeight)
                return false;
        return true;
    }

    /// <summary>
    /// Weight panels of 6 rows over the plane reduction order (pairs of int16 or quads of int8 per step), the tap
    /// offsets and the phases they read; for quads also each channel's Σ (w − w_zp), for the bias correction.
    /// </summary>
    private static int[] PackPlaneWeights(ConvParameters p, Tensor w, Tensor? wZp, bool quads, int groups, int wq, int phaseInts,
        int planeInts, out int[] offsets, out bool[] phaseUsed, out long[] weightSums)
    {
        var win = p.Window;
        int taps = win.KernelSize, kw = win.Kernel[2], c = p.InChannels, m = p.OutChannels;
        int sh = win.Stride[1], sw = win.Stride[2], lanes = quads ? 4 : 2;
        int steps = groups * taps;
        offsets = new int[steps];
        phaseUsed = new bool[sh * sw];
        for (int t = 0; t < taps; t++)
        {
            int dy = t / kw * win.Dilation[1], dx = t % kw * win.Dilation[2];
            int phase = dy % sh * sw + dx % sw;
            phaseUsed[phase] = true;
            for (int g = 0; g < groups; g++)
                offsets[g * taps + t] = g * planeInts + phase * phaseInts + dy / sh * wq + dx / sw;
        }
        const int MR = PairPlaneKernels.MR;
        bool wSigned = w.Type == DataType.Int8;
        var packed = GC.AllocateArray<int>((m + MR - 1) / MR * steps * MR, pinned: true);
        weightSums = new long[m];
        for (int mi = 0; mi < m; mi++)
        {
            int zp = QuantParams.ZeroPoint(wZp, mi), panel = mi / MR, r = mi % MR;
            for (int g = 0; g < groups; g++)
                for (int t = 0; t < taps; t++)
                {
                    int word = 0;
                    for (int j = 0; j < lanes; j++)
                    {
                        int ci = g * lanes + j;
                        int v = ci < c ? QuantParams.Load(w.Data, ((long)mi * c + ci) * taps + t, wSigned) - zp : 0;
                        weightSums[mi] += v;
                        word |= quads ? (v & 0xFF) << (8 * j) : (v & 0xFFFF) << (16 * j);
                    }
                    packed[((long)panel * steps + g * taps + t) * MR + r] = word;
                }
        }
        return packed;
    }

    private void RunPlanes(byte* x, byte* y, WorkerPool pool)
    {
        int* planes = PlaneBuffer(_channelGroups * _planeInts);
        // Tiles per block: enough blocks for every thread to claim several, at most what keeps a block's
        // slice of the planes (its rows plus the kernel's reach, over all channel groups) near L2-resident.
        int phases = 0;
        foreach (bool used in _phaseUsed) phases += used ? 1 : 0;
        int rowBytes = _channelGroups * phases * _wq * sizeof(int);
        int reachRows = _hq - _p.Window.Output[1] + 1;
        int byCache = Math.Max(1, (192 * 1024 / Math.Max(1, rowBytes) - reachRows) * _wq / PairPlaneKernels.NR);
        int byThreads = Math.Max(1, _tiles / (4 * pool.ThreadCount));
        int tilesPerBlock = Math.Min(byCache, byThreads);
        int blocks = (_tiles + tilesPerBlock - 1) / tilesPerBlock;
        int imageBytes = _p.InChannels * _p.Window.Input[1] * _p.Window.Input[2];
        for (int n = 0; n < _p.Batch; n++)
        {
            var build = new PlaneBuild { Kernel = this, X = x + (long)n * imageBytes, Planes = planes };
            pool.For(_channelGroups, ref build);
            var gemm = new PlaneGemm
            {
                Kernel = this, Planes = planes, Y = y + (long)n * _p.OutChannels * _p.Window.OutputSize, TilesPerBlock = tilesPerBlock,
            };
            pool.For(blocks, ref gemm);
        }
    }

    // The planes are written by every thread of one Run and read by all: one buffer per calling thread (a session
    // runs on its caller's thread), grown once and reused, so steady-state runs allocate nothing.
    [ThreadStatic] private static int[]? t_planes;

    private static int* PlaneBuffer(int ints)
    {
        var s = t_planes;
        if (s == null || s.Length < ints) t_planes = s = GC.AllocateArray<int>(ints, pinned: true);
        return (int*)Unsafe.AsPointer(ref s[0]);
    }

    private struct PlaneBuild : IParallelBody
    {
        public Int8Conv Kernel;
        public byte* X;
        public int* Planes;

        public readonly void Invoke(int index) => Kernel.BuildPlane(X, Planes + (long)index * Kernel._planeInts, index);
    }

    private struct PlaneGemm : IParallelBody
    {
        public Int8Conv Kernel;
        public int* Planes;
        public byte* Y;
        public int TilesPerBlock;

        public readonly void Invoke(int index)
        {
            int t0 = index * TilesPerBlock;
            Kernel.RunPlaneTiles(Planes, Y, t0, Math.Min(Kernel._tiles, t0 + TilesPerBlock));
        }
    }

    /// <summary>Tiles [t0, t1) of 16 grid columns for every output channel: multiply, requantize, keep the real pixels.</summary>
    private void RunPlaneTiles(int* planes, byte* y, int t0, int t1)
    {
        const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
        int* acc = Scratch(MR * NR + MR * NR / sizeof(int), out var pin);
        var tile = new TileContext { Planes = planes, Y = y, Acc = acc, Bytes = (byte*)(acc + MR * NR) };
        // Per tile, the runs of real pixels: (first lane, output index, length); a 16-lane tile spans at most 16 runs.
        int* runs = stackalloc int[3 * NR];
        int m = _p.OutChannels;
        fixed (int* packed = _packed, offsets = _offsets, bias = _bias)
        fixed (float* multiplier = _multiplier)
        {
            tile.Packed = packed;
            tile.Offsets = offsets;
            tile.Bias = bias;
            tile.Multiplier = multiplier;
            // Weights that fit in L1 (short reductions: 1×1 convs over few channels) are swept per tile, so a
            // tile's pixel runs are found once; larger ones keep a 6-row panel in L1 across the block's tiles.
            if ((long)m * _offsets.Length * sizeof(int) <= 24 * 1024)
            {
                for (int t = t0; t < t1; t++)
                {
                    int runCount = PixelRuns(t * NR, runs);
                    for (int m0 = 0; m0 < m; m0 += MR) MultiplyTile(ref tile, m0, t, runs, runCount);
                }
            }
            else
            {
                for (int m0 = 0; m0 < m; m0 += MR)
                    for (int t = t0; t < t1; t++) MultiplyTile(ref tile, m0, t, runs, PixelRuns(t * NR, runs));
            }
        }
        GC.KeepAlive(pin);
    }

    private struct TileContext
    {
        public int* Planes, Packed, Offsets, Acc, Bias;
        public float* Multiplier;
        public byte* Y, Bytes;
    }

    /// <summary>Output channels [m0, m0 + 6) of tile <paramref name="t"/>: the micro-kernel, then requantization into the output.</summary>
    private void MultiplyTile(ref TileContext c, int m0, int t, int* runs, int runCount)
    {
        const int MR = PairPlaneKernels.MR, NR = PairPlaneKernels.NR;
        int steps = _offsets.Length, outSize = _p.Window.OutputSize;
        int* a = c.Packed + (long)m0 * steps;
        // A tile inside one output row is stored straight; one that straddles rows goes through a staging row.
        bool whole = runCount == 1 && runs[2] == NR;
        int rows = Math.Min(MR, _p.OutChannels - m0);
        if (rows == MR && _isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            // Full panels on AVX2: requantized in registers (the ragged last panel takes the general path below).
            byte** dst = stackalloc byte*[MR];
            for (int r = 0; r < MR; r++) dst[r] = whole ? c.Y + (long)(m0 + r) * outSize + runs[1] : c.Bytes + r * NR;
            var q = new TileRequantization(c.Bias + m0, c.Multiplier + m0, _yZp, _lo, _hi);
            if (_quads) PlaneMicroKernels<QuadDot>.Avx2KernelRequantized(a, c.Planes + t * NR, c.Offsets, steps, q, dst);
            else PlaneMicroKernels<PairDot>.Avx2KernelRequantized(a, c.Planes + t * NR, c.Offsets, steps, q, dst);
            if (whole) return;
            for (int r = 0; r < MR; r++)
            {
                byte* row = c.Y + (long)(m0 + r) * outSize;
                for (int s = 0; s < runCount; s++) CopyShort(c.Bytes + r * NR + runs[3 * s], row + runs[3 * s + 1], runs[3 * s + 2]);
            }
            return;
        }
        if (_quads) QuadPlaneKernels.Run(_isa, a, c.Planes + t * NR, c.Offsets, steps, c.Acc);
        else PairPlaneKernels.Run(_isa, a, c.Planes + t * NR, c.Offsets, steps, c.Acc);
        for (int r = 0; r < rows; r++)
        {
            int mm = m0 + r;
            byte* dst = c.Y + (long)mm * outSize;
            RequantizeRow.Run(_isa, c.Acc + r * NR, NR, _bias[mm], _multiplier[mm], _yZp, _lo, _hi, whole ? dst + runs[1] : c.Bytes, _ySigned);
            if (whole) continue;
            for (int s = 0; s < runCount; s++) CopyShort(c.Bytes + runs[3 * s], dst + runs[3 * s + 1], runs[3 * s + 2]);
        }
    }

    /// <summary>
    /// Copies 1–16 bytes with at most two overlapping 8- or 4-byte moves: a tile's runs are this short, and a
    /// general memmove call per run measured ~5 % of a small-map model's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(byte* src, byte* dst, int count)
    {
        if (count >= 8)
        {
            *(long*)dst = *(long*)src;
            *(long*)(dst + count - 8) = *(long*)(src + count - 8);
        }
        else if (count >= 4)
        {
            *(int*)dst = *(int*)src;
            *(int*)(dst + count - 4) = *(int*)(src + count - 4);
        }
        else
            for (int i = 0; i < count; i++) dst[i] = src[i];
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
