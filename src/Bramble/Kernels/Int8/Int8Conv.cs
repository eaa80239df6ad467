using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Ops.Nn;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Fast QLinearConv for 1-D/2-D convolutions with constant weights and quantization parameters. Ungrouped
/// convolutions take the plane path (Int8Conv.Planes.cs: the input written once into channel-pair or -quad
/// planes that the micro-kernels read in place, no im2col); depthwise convolutions a direct per-channel path;
/// other grouped ones an im2col per column block (zero point removed, padding = 0) multiplied by
/// <see cref="Int8MicroKernels"/> against weights pre-packed as int16 pairs in 4-row panels. Output is
/// requantized with the fused range. Results are bit-exact with <see cref="IntegerConvReference"/> +
/// <see cref="Requantize.One"/>.
/// </summary>
public sealed unsafe partial class Int8Conv
{
    private readonly ConvParameters _p;
    private readonly Isa _isa;
    private readonly bool _xSigned, _ySigned, _depthwise, _pointwise;
    private readonly int _xZp, _yZp, _lo, _hi;
    private readonly int _kernelSize, _kPairs, _blockColumns, _dwLanes;
    private readonly int[] _bias;
    private readonly float[] _multiplier;
    // Per group: ceil(Mg/4) panels × kPairs × 4 int16 pairs (GEMM path; empty for depthwise); on the
    // plane path ceil(M/6) panels × steps × 6 pairs or quads in that path's reduction order.
    private readonly int[] _packed = [];
    // Depthwise: (w − w_zp) as floats, taps × channels interleaved per block of _dwLanes channels (Int8Conv.Depthwise.cs).
    private readonly float[] _taps = [];
    private readonly int _groupStride;

    /// <summary>Builds the kernel from a QLinearConv's constant inputs (bias at <paramref name="biasInput"/>), or returns null when only the reference applies.</summary>
    public static Int8Conv? TryCreate(ConvParameters p, Node node, PrepareContext ctx, int biasInput)
    {
        if (p.Window.SpatialRank > 2) return null;
        if (IsDepthwise(p) && !DepthwiseSumsExactInFloat(p.Window.KernelSize)) return null;
        if (LinearConstants.Gather(node, ctx, biasInput) is not { } c) return null;
        return new Int8Conv(p, ctx.Options.EffectiveIsa, c.W, c.XSigned, c.XZp, c.XScale, c.WScale, c.WZp, c.YScale, c.YZp, c.YSigned, c.Lo, c.Hi, c.Bias);
    }

    internal Int8Conv(ConvParameters p, Isa isa, Tensor w, bool xSigned, int xZp, float xScale, Tensor wScale, Tensor? wZp,
        float yScale, int yZp, bool ySigned, int lo, int hi, Tensor? bias)
    {
        _p = p;
        _isa = isa;
        _xSigned = xSigned;
        _ySigned = ySigned;
        _xZp = xZp;
        _yZp = yZp;
        _lo = lo;
        _hi = hi;
        int m = p.OutChannels;
        _bias = new int[m];
        _multiplier = new float[m];
        for (int i = 0; i < m; i++)
        {
            _bias[i] = bias == null ? 0 : bias.AsReadOnlySpan<int>()[i];
            _multiplier[i] = Requantize.Multiplier(xScale, QuantParams.Scale(wScale, i), yScale);
        }
        _kernelSize = p.Window.KernelSize;
        _depthwise = IsDepthwise(p);
        var win = p.Window;
        _pointwise = _kernelSize == 1 && win.Stride[1] == 1 && win.Stride[2] == 1 && win.PadBegin[1] == 0 && win.PadBegin[2] == 0
            && win.Output[1] == win.Input[1] && win.Output[2] == win.Input[2];
        bool wSigned = w.Type == DataType.Int8;
        int cg = p.InChannelsPerGroup, mg = p.OutChannelsPerGroup;
        int kg = cg * _kernelSize;
        _kPairs = (kg + 1) / 2;
        if (_depthwise)
        {
            _dwLanes = DepthwiseLanes(isa);
            _taps = InterleaveDepthwiseTaps(w, wZp, wSigned, _dwLanes);
            return;
        }
        if (UsesPlanes(p))
        {
            _planes = true;
            _quads = WeightsFitQuads(w, wZp, m);
            _channelGroups = (p.InChannels + (_quads ? 3 : 1)) / (_quads ? 4 : 2);
            (_hq, _wq) = PhaseGrid(win);
            _phaseInts = _hq * _wq;
            _planeInts = win.Stride[1] * win.Stride[2] * _phaseInts + PlaneSlack;
            _flatColumns = (win.Output[1] - 1) * _wq + win.Output[2];
            _tiles = (_flatColumns + PairPlaneKernels.NR - 1) / PairPlaneKernels.NR;
            _packed = PackPlaneWeights(p, w, wZp, _quads, _channelGroups, _wq, _phaseInts, _planeInts, out _offsets, out _phaseUsed, out var sums);
            // Quads multiply raw activations: Σ (x − zp)·w = Σ x·w − zp·Σ w, the second term a per-channel constant.
            if (_quads)
                for (int i = 0; i < m; i++) _bias[i] = unchecked((int)(_bias[i] - QuadZeroPoint * sums[i]));
            return;
        }
        int panels = (mg + Int8MicroKernels.MR - 1) / Int8MicroKernels.MR;
        _groupStride = panels * _kPairs * Int8MicroKernels.MR;
        _packed = GC.AllocateArray<int>(_groupStride * p.Group, pinned: true);
        for (int g = 0; g < p.Group; g++)
            for (int mi = 0; mi < mg; mi++)
            {
                int mm = g * mg + mi, zp = QuantParams.ZeroPoint(wZp, mm);
                int panel = mi / Int8MicroKernels.MR, r = mi % Int8MicroKernels.MR;
                for (int kk = 0; kk < _kPairs; kk++)
                {
                    int k0 = 2 * kk, k1 = 2 * kk + 1;
                    int v0 = QuantParams.Load(w.Data, (long)mm * kg + k0, wSigned) - zp;
                    int v1 = k1 < kg ? QuantParams.Load(w.Data, (long)mm * kg + k1, wSigned) - zp : 0;
                    _packed[g * _groupStride + (panel * _kPairs + kk) * Int8MicroKernels.MR + r] = Int8MicroKernels.Pair(v0, v1);
                }
            }
        // Column blocks sized so a block's packed activations (kPairs × columns ints) stay near L2-resident.
        int outSize = p.Window.OutputSize;
        int byCache = Math.Max(16, (64 * 1024 / Math.Max(1, _kPairs)) & ~15);
        _blockColumns = Math.Min(byCache, (outSize + 15) & ~15);
    }

    private static bool IsDepthwise(ConvParameters p) => p.Group == p.InChannels && p.Group == p.OutChannels;

    /// <summary>Kernel description for profiles.</summary>
    public string Name => _depthwise ? "int8 depthwise " + _dwLanes switch { 0 => "scalar", 4 => "v128", _ => "v256 fma" }
        : (_planes ? (_quads ? "int8 quad-plane " : "int8 pair-plane ") : "int8 gemm ") + _isa switch
        {
            Isa.Scalar => "scalar",
            Isa.Vector128 => "v128",
            _ => System.Runtime.Intrinsics.X86.Avx2.IsSupported ? (_quads ? "avx2 pmaddubsw" : "avx2 pmaddwd") : "v128",
        };

    public void Run(Tensor x, Tensor y, WorkerPool pool)
    {
        if (_planes) RunPlanes(x.Data, y.Data, pool);
        else if (_depthwise) RunDepthwise(x.Data, y.Data, pool);
        else
        {
            int blocks = (_p.Window.OutputSize + _blockColumns - 1) / _blockColumns;
            var body = new GemmBody { Kernel = this, X = x.Data, Y = y.Data, Blocks = blocks };
            pool.For(_p.Batch * _p.Group * blocks, ref body);
        }
    }

    private struct GemmBody : IParallelBody
    {
        public Int8Conv Kernel;
        public byte* X, Y;
        public int Blocks;

        public readonly void Invoke(int index)
        {
            int block = index % Blocks, ng = index / Blocks;
            Kernel.RunBlock(X, Y, ng / Kernel._p.Group, ng % Kernel._p.Group, block * Kernel._blockColumns);
        }
    }

    // One growing scratch per thread: parallel parts never share it and steady-state runs allocate nothing.
    [ThreadStatic] private static int[]? t_scratch;

    private static int* Scratch(int ints, out int[] pin)
    {
        var s = t_scratch;
        if (s == null || s.Length < ints) t_scratch = s = GC.AllocateArray<int>(Math.Max(ints, 1024), pinned: true);
        pin = s;
        return (int*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref s[0]);
    }
}
