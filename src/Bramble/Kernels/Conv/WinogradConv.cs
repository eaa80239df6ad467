using System.Runtime.Intrinsics;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Conv;

/// <summary>
/// A prepared 3×3, stride-1, dilation-1, ungrouped float32 convolution computed with Winograd F(4×4, 3×3):
/// each 4×4 output tile costs 36 multiplies per input channel instead of 144, for a little extra rounding
/// (|error| grows roughly 10× over direct convolution; still ~1e-5 relative for unit-scale data).
/// Pre-transformed, the filters are transformed once (U = G g Gᵀ) and packed as 36 GEMM left operands, 4× the
/// 3×3 weights; streamed, only the 3×3 weights are kept and each run transforms one block of output channels
/// at a time into the workspace (~324 flops per filter per run, a few % of the layer at ≥ 16 tiles).
/// Runs need <see cref="WorkspaceBytes"/> of scratch from the caller (the session's arena) and allocate nothing.
/// </summary>
public sealed unsafe class WinogradConv : IDisposable
{
    // G for F(4,3) (Lavin & Gray), interpolation points 0, ±1, ±2 and ∞.
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    private readonly PackedMatrix[]? _filters;      // pre-transformed
    private readonly NativeBuffer? _tapMajor;        // streamed: the 3×3 weights as [block][C][9][KBlock]
    private readonly WinogradPlan _plan;
    private readonly WinogradStreamPlan _stream;
    private readonly Isa _isa;
    private readonly int _threads;

    private WinogradConv(in ConvGeometry g, PackedMatrix[]? filters, NativeBuffer? tapMajor, WinogradPlan plan, WinogradStreamPlan stream, Isa isa, int threads)
    {
        Geometry = g;
        _filters = filters;
        _tapMajor = tapMajor;
        _plan = plan;
        _stream = stream;
        _isa = isa;
        _threads = threads;
    }

    public ConvGeometry Geometry { get; }

    /// <summary>True when the filters are transformed on every run instead of held transformed.</summary>
    public bool Streamed => _tapMajor != null;

    /// <summary>For profiles, e.g. "conv3x3 winograd f4 avx2 f32_gemm_6x16__v256" or "conv3x3 winograd f4 streamed avx2 …".</summary>
    public string Name => $"conv3x3 winograd f4 {(Streamed ? "streamed " : "")}{LanesName(_plan.Lanes)} {GemmKernel.Select(_isa).Name}";

    /// <summary>Scratch <see cref="Run"/> needs for the thread count given to Create.</summary>
    public long WorkspaceBytes => (Streamed ? _stream.WorkspaceFloats(_threads) : _threads * _plan.PerThreadFloats) * sizeof(float);

    /// <summary>Whether Winograd can compute <paramref name="g"/> at all: 3×3, unit stride and dilation, one group.</summary>
    public static bool Supports(in ConvGeometry g) =>
        g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1 && g.Groups == 1;

    /// <summary>
    /// Whether Winograd beats the implicit GEMM for <paramref name="g"/>. Measured on a 2-core AVX2 EPYC
    /// (bench quick "winograd", median ratios of implicit-GEMM time / Winograd time, 2 threads):
    /// see <see cref="WinogradSelection"/> for the numbers.
    /// </summary>
    public static bool Wins(in ConvGeometry g) => Supports(g) && WinogradSelection.Wins(g);

    /// <summary>Bytes of the transformed filters for <paramref name="g"/>: 36 K×C matrices (4× the 3×3 originals), before packing.</summary>
    public static long TransformedWeightBytes(in ConvGeometry g) => 36L * g.OutChannels * g.InChannels * sizeof(float);

    /// <summary>Bytes of this kernel's own weights: the transformed, packed filters, or (streamed) the reordered 3×3 weights.</summary>
    public long WeightBytes
    {
        get
        {
            if (_tapMajor != null) return _tapMajor.ByteLength;
            long bytes = 0;
            foreach (var f in _filters!) bytes += f.ByteLength;
            return bytes;
        }
    }

    /// <summary>
    /// Prepares <paramref name="weights"/> ([K, C, 3, 3]) for <paramref name="threads"/> workers under <paramref name="maxIsa"/>:
    /// transformed and packed once, or with <paramref name="streamed"/> kept at their own size and transformed per run.
    /// </summary>
    public static WinogradConv Create(in ConvGeometry g, float* weights, Isa maxIsa, int threads, bool streamed = false) =>
        Create(g, weights, maxIsa, threads, streamed, 0, 0);

    /// <summary>As the public Create with forced block sizes: tiles per block (chunk, when streamed) and output channels per streamed block (0 = automatic).</summary>
    internal static WinogradConv Create(in ConvGeometry g, float* weights, Isa maxIsa, int threads, bool streamed, int blockTiles, int kBlock)
    {
        g.Validate();
        if (!Supports(g)) throw new ShapeException($"winograd conv: needs a 3x3 stride-1 dilation-1 ungrouped convolution, got {g}");
        threads = Math.Max(1, threads);
        int lanes = LanesFor(maxIsa);
        if (!streamed)
            return new WinogradConv(g, TransformFilters(g, weights, maxIsa), null, new WinogradPlan(g, lanes, threads, blockTiles), default, maxIsa, threads);
        var stream = new WinogradStreamPlan(g, lanes, GemmKernel.Select(maxIsa), threads, kBlock, blockTiles);
        var tapMajor = PackedWeights.Allocate((long)stream.PaddedK * g.InChannels * 9 * sizeof(float));
        if (!PackedWeights.Prefilled) WinogradFilterTransform.ToTapMajor(weights, (float*)tapMajor.Pointer, g.OutChannels, g.InChannels, stream.KBlock);
        return new WinogradConv(g, null, tapMajor, stream.Tiles, stream, maxIsa, threads);
    }

    private static PackedMatrix[] TransformFilters(in ConvGeometry g, float* weights, Isa maxIsa)
    {
        int k = g.OutChannels, c = g.InChannels;
        var filters = new PackedMatrix[WinogradPlan.Positions];
        // Transformed at compile time and handed back packed (see PackedWeights): the packs read nothing.
        if (PackedWeights.Prefilled)
        {
            for (int xi = 0; xi < filters.Length; xi++) filters[xi] = PackedMatrix.PackA(null, c, false, k, c, maxIsa);
            return filters;
        }
        var u = new float[WinogradPlan.Positions * (long)k * c];
        Span<double> gg = stackalloc double[18]; // G·g, 6×3
        for (int oc = 0; oc < k; oc++)
            for (int ic = 0; ic < c; ic++)
            {
                float* f = weights + ((long)oc * c + ic) * 9;
                for (int a = 0; a < 6; a++)
                    for (int j = 0; j < 3; j++)
                        gg[a * 3 + j] = G[a, 0] * f[j] + G[a, 1] * f[3 + j] + G[a, 2] * f[6 + j];
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                    {
                        double s = gg[a * 3] * G[b, 0] + gg[a * 3 + 1] * G[b, 1] + gg[a * 3 + 2] * G[b, 2];
                        u[((long)(a * 6 + b) * k + oc) * c + ic] = (float)s;
                    }
            }
        try
        {
            fixed (float* pu = u)
                for (int xi = 0; xi < filters.Length; xi++)
                    filters[xi] = PackedMatrix.PackA(pu + (long)xi * k * c, c, false, k, c, maxIsa);
        }
        catch
        {
            foreach (var f in filters) f?.Dispose();
            throw;
        }
        return filters;
    }

    private static int LanesFor(Isa cap)
    {
        var isa = CpuFeatures.Effective(cap);
        if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated && WinogradLanes256.Supported) return WinogradLanes256.Count;
        if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated && WinogradLanes128.Supported) return WinogradLanes128.Count;
        return WinogradLanes1.Count;
    }

    private static string LanesName(int lanes) => lanes switch
    {
        8 => "avx2",
        4 => System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "neon" : "sse",
        _ => "scalar",
    };

    /// <summary>
    /// Convolves <paramref name="batch"/> images: input [N, C, H, W] → output [N, K, OH, OW], bias and activation
    /// fused. <paramref name="workspace"/> must hold <see cref="WorkspaceBytes"/> (fewer bytes use fewer threads).
    /// </summary>
    public void Run(float* input, float* output, int batch, in Epilogue epilogue, WorkerPool? pool, byte* workspace, long workspaceBytes)
    {
        if (epilogue.BiasKind == BiasKind.PerColumn) throw new ArgumentException("conv bias must be per output channel (PerRow)", nameof(epilogue));
        long shared = Streamed ? _stream.VFloats * sizeof(float) : 0;
        long perThread = (Streamed ? _stream.PartFloats : _plan.PerThreadFloats) * sizeof(float);
        if (workspace == null || workspaceBytes < shared + perThread)
            throw new BrambleException($"winograd conv {Geometry}: needs {shared + perThread} bytes of workspace, got {workspaceBytes}");
        int threads = (int)Math.Min(pool?.ThreadCount ?? 1, (workspaceBytes - shared) / perThread);
        switch (_plan.Lanes)
        {
            case 8: Start<Vector256<float>, WinogradLanes256>(input, output, batch, epilogue, pool, (float*)workspace, threads); break;
            case 4: Start<Vector128<float>, WinogradLanes128>(input, output, batch, epilogue, pool, (float*)workspace, threads); break;
            default: Start<float, WinogradLanes1>(input, output, batch, epilogue, pool, (float*)workspace, threads); break;
        }
    }

    private void Start<TV, TL>(float* input, float* output, int batch, in Epilogue epilogue, WorkerPool? pool, float* workspace, int threads)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        var transforms = new WinogradTransforms<TV, TL> { Plan = _plan, Geometry = Geometry, Epilogue = epilogue, EpilogueIsa = CpuFeatures.Effective(_isa) };
        if (Streamed)
        {
            RunStreamed(transforms, input, output, batch, pool, workspace, threads);
            return;
        }
        int blocks = batch * _plan.BlocksPerImage;
        if (Math.Min(threads, blocks) > 1)
        {
            // Whole blocks per worker: each keeps its V and M in its own L2.
            int next = 0;
            var job = new WinogradJob<TV, TL>
            {
                Transforms = transforms, Filters = _filters!, Input = input, Output = output, Workspace = workspace, Blocks = blocks, Next = &next,
            };
            pool!.For(Math.Min(threads, blocks), ref job);
        }
        else if (threads > 1)
        {
            // A single block: all threads share each of its phases.
            var job = new WinogradPhasesJob<TV, TL> { Transforms = transforms, Filters = _filters!, Input = input, Output = output, Workspace = workspace };
            job.Run(pool!, blocks, threads);
        }
        else
        {
            int next = 0;
            var job = new WinogradJob<TV, TL>
            {
                Transforms = transforms, Filters = _filters!, Input = input, Output = output, Workspace = workspace, Blocks = blocks, Next = &next,
            };
            job.Invoke(0);
        }
    }

    private void RunStreamed<TV, TL>(in WinogradTransforms<TV, TL> transforms, float* input, float* output, int batch, WorkerPool? pool, float* workspace, int threads)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        var g = Geometry;
        int tiles = _plan.TilesX * _plan.TilesY;
        var job = new WinogradStreamJob<TV, TL>
        {
            Transforms = transforms, Plan = _stream, Kernel = GemmKernel.Select(_isa), TapMajor = (float*)_tapMajor!.Pointer, Workspace = workspace,
        };
        int inputParts = Math.Min(threads, g.InChannels), outputParts = Math.Min(threads, _stream.KBlocks);
        for (int image = 0; image < batch; image++)
        {
            job.Input = input + (long)image * g.InChannels * g.InHeight * g.InWidth;
            job.Output = output + (long)image * g.OutChannels * g.OutHeight * g.OutWidth;
            for (int t0 = 0; t0 < tiles; t0 += _plan.BlockTiles)
            {
                job.T0 = t0;
                job.T1 = Math.Min(tiles, t0 + _plan.BlockTiles);
                job.InputPhase = true;
                job.Parts = inputParts;
                Dispatch(pool, ref job);
                job.InputPhase = false;
                job.Parts = outputParts;
                Dispatch(pool, ref job);
            }
        }
    }

    private static void Dispatch<TV, TL>(WorkerPool? pool, ref WinogradStreamJob<TV, TL> job)
        where TV : struct
        where TL : struct, IWinogradLanes<TV>
    {
        if (job.Parts > 1 && pool != null) pool.For(job.Parts, ref job);
        else job.Invoke(0);
    }

    public void Dispose()
    {
        if (_filters != null) foreach (var f in _filters) f.Dispose();
        _tapMajor?.Dispose();
    }
}
