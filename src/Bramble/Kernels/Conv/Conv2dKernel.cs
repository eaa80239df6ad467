using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Conv;

/// <summary>How a <see cref="Conv2dKernel"/> computes.</summary>
public enum ConvAlgorithm
{
    /// <summary>1×1, unit stride, no padding: GEMM directly on the input, no copy.</summary>
    Pointwise,
    /// <summary>Any other shape: GEMM whose B panels are packed straight from the image (implicit im2col).</summary>
    ImplicitGemm,
    /// <summary>One filter per channel: direct SIMD kernel.</summary>
    Depthwise,
    /// <summary>Few input channels (first layers): direct kernel over phase planes (<see cref="FewChannelConv"/>).</summary>
    FewChannels,
}

/// <summary>
/// A prepared 2-D convolution (NCHW, float32): constant weights packed once per group, the algorithm
/// chosen from the geometry. Grouped convolutions run one GEMM per group: W_g[M_g×K] · X_g[K×OH·OW].
/// The epilogue's bias must be per output channel (<see cref="BiasKind.PerRow"/>).
/// </summary>
public sealed unsafe class Conv2dKernel : IDisposable
{
    private readonly PackedMatrix[] _groups;
    private readonly NativeBuffer? _depthwiseWeights;
    private readonly FewChannelConv? _fewChannels;
    private readonly Isa _isa;

    private Conv2dKernel(ConvGeometry g, ConvAlgorithm algorithm, PackedMatrix[] groups, NativeBuffer? depthwise, Isa isa, FewChannelConv? fewChannels = null)
    {
        _fewChannels = fewChannels;
        Geometry = g;
        Algorithm = algorithm;
        _groups = groups;
        _depthwiseWeights = depthwise;
        _isa = isa;
    }

    public ConvGeometry Geometry { get; }
    public ConvAlgorithm Algorithm { get; }

    /// <summary>Which depthwise kernel family runs (by shape unless a test forces one).</summary>
    internal DepthwisePath DepthwisePath { get; set; }

    /// <summary>For profiles, e.g. "conv implicit-gemm f32_gemm_6x16__v256".</summary>
    public string Name => Algorithm switch
    {
        ConvAlgorithm.Pointwise => $"conv1x1 gemm {_groups[0].KernelName}",
        ConvAlgorithm.ImplicitGemm => $"conv implicit-gemm {_groups[0].KernelName}",
        ConvAlgorithm.FewChannels => $"conv few-channels {CpuFeatures.Effective(_isa)}",
        _ => $"conv {DepthwiseConv.KernelName(Geometry, CpuFeatures.Effective(_isa), DepthwisePath)} {CpuFeatures.Effective(_isa)}",
    };

    /// <summary>Bytes of the kernel's own copy of the weights (packed panels, or the depthwise filters).</summary>
    public long WeightBytes
    {
        get
        {
            long bytes = (_depthwiseWeights?.ByteLength ?? 0) + (_fewChannels?.WeightBytes ?? 0);
            foreach (var p in _groups) bytes += p.ByteLength;
            return bytes;
        }
    }

    /// <summary>Packs <paramref name="weights"/> ([OutChannels, InChannels/Groups, KernelH, KernelW]) for <paramref name="g"/>.</summary>
    public static Conv2dKernel Create(in ConvGeometry g, float* weights, Isa maxIsa) => Create(g, weights, maxIsa, fewChannels: true);

    /// <summary>As <see cref="Create(in ConvGeometry, float*, Isa)"/>; without <paramref name="fewChannels"/> first layers take the implicit GEMM too (tests cover both).</summary>
    internal static Conv2dKernel Create(in ConvGeometry g, float* weights, Isa maxIsa, bool fewChannels)
    {
        g.Validate();
        if (fewChannels && FewChannelConv.Handles(g, CpuFeatures.Effective(maxIsa)))
            return new Conv2dKernel(g, ConvAlgorithm.FewChannels, [], null, maxIsa, new FewChannelConv(g, weights, maxIsa));
        if (g.IsDepthwise)
        {
            int count = g.OutChannels * g.KernelH * g.KernelW;
            var copy = PackedWeights.Allocate((long)count * sizeof(float));
            if (!PackedWeights.Prefilled) new ReadOnlySpan<float>(weights, count).CopyTo(new Span<float>(copy.Pointer, count));
            return new Conv2dKernel(g, ConvAlgorithm.Depthwise, [], copy, maxIsa);
        }
        int m = g.OutChannelsPerGroup, k = g.KernelSize;
        var groups = new PackedMatrix[g.Groups];
        try
        {
            for (int i = 0; i < groups.Length; i++)
                groups[i] = PackedMatrix.PackA(weights + (long)i * m * k, k, false, m, k, maxIsa);
        }
        catch
        {
            foreach (var p in groups) p?.Dispose();
            throw;
        }
        return new Conv2dKernel(g, g.IsPointwise ? ConvAlgorithm.Pointwise : ConvAlgorithm.ImplicitGemm, groups, null, maxIsa);
    }

    /// <summary>
    /// Convolves <paramref name="batch"/> images: input [N, C, H, W] → output [N, OC, OH, OW], with bias/activation fused;
    /// an epilogue residual is a tensor shaped like the output with row stride OH·OW.
    /// </summary>
    public void Run(float* input, float* output, int batch, in Epilogue epilogue, WorkerPool? pool)
    {
        var g = Geometry;
        if (epilogue.BiasKind == BiasKind.PerColumn) throw new ArgumentException("conv bias must be per output channel (PerRow)", nameof(epilogue));
        long inImage = (long)g.InChannels * g.InHeight * g.InWidth;
        int n = g.OutHeight * g.OutWidth;
        long outImage = (long)g.OutChannels * n;
        for (int b = 0; b < batch; b++)
        {
            float* x = input + b * inImage, y = output + b * outImage;
            var image = epilogue.Residual == null ? epilogue : epilogue.WithResidual(epilogue.Residual + b * outImage, epilogue.ResidualStride);
            if (_fewChannels != null)
            {
                _fewChannels.Run(x, y, image, pool);
                continue;
            }
            if (Algorithm == ConvAlgorithm.Depthwise)
            {
                // The depthwise kernels apply their epilogue row by row without a residual: add it in a second pass.
                DepthwiseConv.Run(g, x, (float*)_depthwiseWeights!.Pointer, y, image.Residual == null ? image : image.BiasOnly, pool, _isa, DepthwisePath);
                if (image.Residual != null) image.WithoutBias.Apply(y, n, g.OutChannels, n, 0, 0, _isa);
                continue;
            }
            int m = g.OutChannelsPerGroup;
            long inGroup = (long)g.InChannelsPerGroup * g.InHeight * g.InWidth;
            for (int gi = 0; gi < _groups.Length; gi++)
            {
                float* xg = x + gi * inGroup, yg = y + (long)gi * m * n;
                var e = image.WithBiasOffset(gi * m);
                if (Algorithm == ConvAlgorithm.Pointwise)
                    Sgemm.Multiply(_groups[gi], n, 1, xg, n, false, 0, yg, n, e, pool);
                else
                    Sgemm.Multiply(_groups[gi], new Im2ColPanels(xg, g), n, yg, n, 0, e, pool);
            }
        }
    }

    public void Dispose()
    {
        foreach (var p in _groups) p.Dispose();
        _depthwiseWeights?.Dispose();
        _fewChannels?.Dispose();
    }
}
