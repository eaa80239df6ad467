using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Ops.Nn;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Ops;

/// <summary>
/// Glue between the Conv operator and <see cref="Conv2dKernel"/>: built in Prepare when the weights are
/// constant and the convolution is 1-D or 2-D; the operator's reference path stays for everything else.
/// </summary>
internal sealed unsafe class FastConv : IDisposable
{
    private readonly Conv2dKernel _kernel;
    private readonly int _batch;

    private FastConv(Conv2dKernel kernel, int batch)
    {
        _kernel = kernel;
        _batch = batch;
    }

    public string Name => _kernel.Name;

    /// <summary>The fast kernel for <paramref name="p"/>, or null when only the reference handles it.</summary>
    public static FastConv? TryCreate(ConvParameters p, Tensor? weights, SessionOptions options)
    {
        if (options.ReferenceKernels || weights == null || p.Window.SpatialRank > 2) return null;
        var w = p.Window;
        var g = new Conv.ConvGeometry(p.InChannels, w.Input[1], w.Input[2], p.OutChannels, w.Kernel[1], w.Kernel[2])
        {
            StrideH = w.Stride[1], StrideW = w.Stride[2], DilationH = w.Dilation[1], DilationW = w.Dilation[2],
            PadTop = w.PadBegin[1], PadLeft = w.PadBegin[2], PadBottom = w.PadEnd[1], PadRight = w.PadEnd[2],
            Groups = p.Group,
        };
        return new FastConv(Conv2dKernel.Create(g, (float*)weights.Data, options.MaxIsa), p.Batch);
    }

    /// <summary>Bytes of the kernel's own weight copy; the kernel never reads the original weights after creation.</summary>
    public long WeightBytes => _kernel.WeightBytes;

    /// <summary>Frees the packed weights.</summary>
    public void Dispose() => _kernel.Dispose();

    public void Run(Tensor x, Tensor? bias, Tensor y, WorkerPool pool) => Run(x, bias, y, pool, Activation.None, 0, 0);

    /// <summary>Runs with a fused activation (FusedConv): bias and activation happen in the kernel's epilogue.</summary>
    public void Run(Tensor x, Tensor? bias, Tensor y, WorkerPool pool, Activation activation, float alpha, float beta)
    {
        var e = new Epilogue(activation, alpha, beta, bias == null ? null : (float*)bias.Data, bias == null ? BiasKind.None : BiasKind.PerRow);
        _kernel.Run((float*)x.Data, (float*)y.Data, _batch, e, pool);
    }
}
