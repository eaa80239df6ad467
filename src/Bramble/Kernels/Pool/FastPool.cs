using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Kernels.Pool;

/// <summary>
/// Glue between MaxPool/AveragePool and <see cref="Pool2dKernel"/>: chosen in Prepare for float32 2-D pools
/// with unit dilations; everything else (int8, 1-D/3-D, dilations, MaxPool's Indices) stays on the reference.
/// </summary>
internal sealed unsafe class FastPool
{
    private readonly PoolKind _kind;
    private readonly PoolGeometry2d _g;
    private readonly int _planes;
    private readonly Isa _isa;

    private FastPool(PoolKind kind, PoolGeometry2d g, int planes, Isa isa)
    {
        _kind = kind;
        _g = g;
        _planes = planes;
        _isa = isa;
    }

    public string Name => Pool2dKernel.Name(_kind, _g, _isa);

    /// <summary>The fast kernel for <paramref name="p"/>, or null when only the reference handles it.</summary>
    public static FastPool? TryCreate(PoolKind kind, PoolParameters p, DataType type, SessionOptions options)
    {
        var w = p.Window;
        if (options.ReferenceKernels || type != DataType.Float32 || w.SpatialRank != 2 || w.Dilation[1] != 1 || w.Dilation[2] != 1) return null;
        var g = new PoolGeometry2d(w.Input[1], w.Input[2], w.Output[1], w.Output[2], w.Kernel[1], w.Kernel[2], w.Stride[1], w.Stride[2],
            w.PadBegin[1], w.PadBegin[2], w.PadEnd[1], w.PadEnd[2]);
        return new FastPool(kind, g, p.Batch * p.Channels, options.MaxIsa);
    }

    public void Run(Tensor x, Tensor y, WorkerPool pool) => Pool2dKernel.Run(_kind, _g, (float*)x.Data, (float*)y.Data, _planes, pool, _isa);
}
