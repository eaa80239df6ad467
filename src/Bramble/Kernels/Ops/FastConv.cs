using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Ops;
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
    private readonly Conv2dKernel? _kernel;
    private readonly WinogradConv? _winograd;
    private readonly int _batch;
    private readonly Isa _isa;

    private FastConv(Conv2dKernel? kernel, WinogradConv? winograd, int batch, Isa isa)
    {
        _kernel = kernel;
        _winograd = winograd;
        _batch = batch;
        _isa = isa;
    }

    public string Name => _winograd?.Name ?? _kernel!.Name;

    /// <summary>Scratch the chosen kernel needs from the arena (Winograd's tile buffers; 0 otherwise).</summary>
    public long WorkspaceBytes => _winograd?.WorkspaceBytes ?? 0;

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
        // 3×3 stride-1 layers where Winograd measured faster (WinogradSelection) take it; those whose transformed
        // weights (4× the originals) exceed the session's per-layer memory allowance transform them per run
        // (streamed) or, without streaming, keep the implicit GEMM; all else the GEMM paths.
        if (WinogradConv.Wins(g) && options.WinogradMaxWeightBytes > 0)
        {
            bool streamed = WinogradConv.TransformedWeightBytes(g) > options.WinogradMaxWeightBytes;
            if (!streamed || options.WinogradStreaming)
                return new FastConv(null, WinogradConv.Create(g, PackedWeights.Source(weights), options.MaxIsa, options.Threads, streamed), p.Batch, options.MaxIsa);
        }
        return new FastConv(Conv2dKernel.Create(g, PackedWeights.Source(weights), options.MaxIsa), null, p.Batch, options.MaxIsa);
    }

    /// <summary>Bytes of the kernel's own weight copy; the kernel never reads the original weights after creation.</summary>
    public long WeightBytes => _winograd?.WeightBytes ?? _kernel!.WeightBytes;

    /// <summary>Frees the packed (or Winograd-transformed) weights.</summary>
    public void Dispose()
    {
        _winograd?.Dispose();
        _kernel?.Dispose();
    }

    /// <summary>Runs on the context's pool and workspace (see <see cref="WorkspaceBytes"/>).</summary>
    public void Run(Tensor x, Tensor? bias, Tensor y, ExecContext ctx) => Run(x, bias, y, ctx, Activation.None, 0, 0);

    /// <summary>Runs with a fused activation (FusedConv): bias and activation happen in the kernel's epilogue.</summary>
    public void Run(Tensor x, Tensor? bias, Tensor y, ExecContext ctx, Activation activation, float alpha, float beta) =>
        Run(x, bias, null, y, ctx, activation, alpha, beta);

    /// <summary>
    /// Runs with a residual (FusedConv's Z, shaped like <paramref name="y"/>) added after the bias and before the
    /// activation: in the GEMM epilogue while each tile is in cache, or (Winograd) in one pass over the output.
    /// </summary>
    public void Run(Tensor x, Tensor? bias, Tensor? residual, Tensor y, ExecContext ctx, Activation activation, float alpha, float beta)
    {
        var e = new Epilogue(activation, alpha, beta, bias == null ? null : (float*)bias.Data, bias == null ? BiasKind.None : BiasKind.PerRow);
        int rows = y.Shape[0] * y.Shape[1];
        long plane = rows == 0 ? 0 : y.Length / rows;
        if (residual != null) e = e.WithResidual((float*)residual.Data, plane);
        if (_winograd != null)
        {
            _winograd.Run((float*)x.Data, (float*)y.Data, _batch, e.Residual == null ? e : e.BiasOnly, ctx.Pool, ctx.WorkspaceData, ctx.WorkspaceBytes);
            if (e.Residual != null) e.WithoutBias.Apply((float*)y.Data, (int)plane, rows, (int)plane, 0, 0, _isa);
        }
        else _kernel!.Run((float*)x.Data, (float*)y.Data, _batch, e, ctx.Pool);
    }
}
