using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Ops.Quantized;

namespace Bramble.Kernels.Int8;

/// <summary>
/// The pair-plane path for ungrouped stride-1 convolutions (any kernel size, dilation and padding, 1×1
/// included): instead of an im2col copy that repeats every input value k·k times, the input is written once
/// into zero-padded "pair planes" — plane p holds, per padded pixel, the int32 pair (x[2p] − zp, x[2p+1] − zp)
/// in int16 halves. Output pixels are numbered over the padded width Wp (q = oh·Wp + ow), so the input pixel
/// that tap (ky, kx) of output q reads is q + ky·dh·Wp + kx·dw: for every reduction pair the 16 columns of a
/// tile are 16 consecutive ints of one plane, loaded straight by <see cref="PairPlaneKernels"/>. The Wp − ow0
/// columns per row that fall in the padding are computed and dropped (a few percent on wide maps).
/// </summary>
public sealed unsafe partial class Int8Conv
{
    private const int PlaneSlack = PairPlaneKernels.NR;
    private readonly bool _pairPlanes;
    private readonly int _cPairs, _hp, _wp, _planeInts, _flatColumns, _tiles;
    // Per reduction pair kk (channel pair outer, then ky, kx): its input offset from a column's pixel.
    private readonly int[] _offsets = [];

    private static bool UsesPairPlanes(ConvParameters p) =>
        p.Group == 1 && p.Window.Stride[0] == 1 && p.Window.Stride[1] == 1 && p.Window.Stride[2] == 1 && p.Window.Kernel[0] == 1;

    /// <summary>Weight panels of 6 rows over the pair-plane reduction order, and the tap offsets.</summary>
    private static int[] PackPairPlaneWeights(ConvParameters p, Tensors.Tensor w, Tensors.Tensor? wZp, int cPairs, int wp, int planeInts, out int[] offsets)
    {
        var win = p.Window;
        int taps = win.KernelSize, kw = win.Kernel[2], c = p.InChannels, m = p.OutChannels;
        int kPairs = cPairs * taps;
        offsets = new int[kPairs];
        for (int cp = 0; cp < cPairs; cp++)
            for (int t = 0; t < taps; t++)
                offsets[cp * taps + t] = cp * planeInts + t / kw * win.Dilation[1] * wp + t % kw * win.Dilation[2];
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
        int rowBytes = _cPairs * _wp * sizeof(int);
        int reachRows = _hp - _p.Window.Output[1] + 1;
        int byCache = Math.Max(1, ((192 * 1024 / Math.Max(1, rowBytes) - reachRows) * _wp) / PairPlaneKernels.NR);
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

    /// <summary>Plane <paramref name="cp"/>: padded rows of (x[2cp] − zp, x[2cp+1] − zp) pairs, zero in the padding.</summary>
    private void BuildPairPlane(byte* x, int* plane, int cp)
    {
        var win = _p.Window;
        int h = win.Input[1], w = win.Input[2], pt = win.PadBegin[1], pl = win.PadBegin[2];
        long planeSize = (long)h * w;
        byte* first = x + 2L * cp * planeSize;
        byte* second = 2 * cp + 1 < _p.InChannels ? first + planeSize : null;
        int inRow = Math.Min(w, _wp - pl);
        for (int r = 0; r < _hp; r++)
        {
            int* row = plane + (long)r * _wp;
            int ih = r - pt;
            if ((uint)ih >= (uint)h)
            {
                new Span<int>(row, _wp).Clear();
                continue;
            }
            new Span<int>(row, pl).Clear();
            PairRow(first + (long)ih * w, second == null ? null : second + (long)ih * w, inRow, row + pl);
            new Span<int>(row + pl + inRow, _wp - pl - inRow).Clear();
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
            int oh = q / _wp, ow = q % _wp;
            int rowEnd = Math.Min(end, oh * _wp + ow0);
            if (ow < ow0)
            {
                runs[3 * count] = q - q0;
                runs[3 * count + 1] = oh * ow0 + ow;
                runs[3 * count + 2] = rowEnd - q;
                count++;
            }
            q = (oh + 1) * _wp;
        }
        return count;
    }
}
